// Labels in Chinese (default) and English. Elements carry data-i18n="key" (text) or
// data-i18n-label="key" (aria-label) and are relabelled when the language changes.
const dictionary = {
  zh: {
    title: 'FieldRelay 应急指挥大厅', signIn: '登录', token: '访问令牌', signOut: '退出',
    signInHint: '输入服务器打印的管理员令牌，或本单位的令牌。', badToken: '令牌无效或已吊销',
    rooms: '视频室', wall: '视频墙', reporting: '视频联报', language: 'English',
    areaTree: '行政区划', roomsTotal: '视频室总数', roomsOnline: '在线', search: '搜索视频室',
    status: '状态', any: '全部', online: '在线', offline: '离线', reconnecting: '重连中', stalled: '卡顿',
    map: '地图', detail: '详情', watch: '上墙观看', bitrate: '码率', rtt: '往返时延', loss: '丢包',
    delay: '延迟', layout: '布局', source: '视频源', putInTile: '放入窗格', tile: '窗格', focus: '聚焦',
    unfocus: '取消聚焦', clear: '移除', noSource: '空闲', playing: '播放中', buffering: '缓冲中',
    unsupported: '浏览器不支持此编码', native: '原生 HLS', admin: '管理员', city: '市级', county: '县级',
    township: '乡镇', department: '部门', readOnly: '管理员只读：操作请使用单位令牌',
    orgTokens: '单位令牌', organisation: '单位', issueToken: '签发令牌', openAsOrg: '以该单位身份打开控制台',
    newIncident: '新建事件', village: '村', category: '类别', grade: '等级', incidentTitle: '标题',
    firstReport: '初报内容', create: '创建', startSession: '开启联报会商', sessions: '进行中的会商',
    invitations: '邀请', join: '加入', leave: '退出会商', feeds: '视频源', participants: '参与单位',
    attach: '接入', invite: '邀请', escalate: '升级', handover: '移交指挥', note: '说明', to: '移交给',
    report: '报告', stage: '阶段', first: '初报', followup: '续报', final: '终报', file: '提交',
    close: '结束会商', overdue: '逾期', timeline: '会商记录', host: '主持', natural_disaster: '自然灾害',
    accident: '事故灾难', public_health: '公共卫生', social_safety: '社会安全', org: '单位',
    invited: '已邀请', joined: '已加入', left: '已退出', removed: '已移除', none: '无', incident: '事件',
    count: '数量', roomList: '视频室列表', open: '打开', closed: '已结束', refresh: '刷新', due: '截止',
    starting: '连接中', lost: '信号中断', ended: '访问已结束', since: '自', lastFrame: '最后画面',
    gradeIV: '一般', gradeIII: '较大', gradeII: '重大', gradeI: '特别重大',
    incidents: '事件', show: '显示', incidentOpen: '处置中', incidentClosed: '已办结', sessionLive: '会商中', reporter: '报告单位',
    sessionHistory: '联报会商', sessionCount: '会商次数', incidentClosedByFinal: '终报已提交，事件已办结',
    placeAndNearby: '位置与附近视频室', mapEmpty: '本单位辖区内没有视频室：会商中的视频源在视频联报中查看',
    participant: '参与', observer: '观察', watchingNow: '正在观看',
    onWall: '已上墙', alreadyOnWall: '已在墙上', watchAll: '全部上墙', sessionFocus: '会商焦点',
  },
  en: {
    title: 'FieldRelay command hall', signIn: 'Sign in', token: 'Access token', signOut: 'Sign out',
    signInHint: 'Enter the admin token the server printed, or your organisation\'s token.', badToken: 'Token not valid or revoked',
    rooms: 'Rooms', wall: 'Video wall', reporting: 'Joint reporting', language: '中文',
    areaTree: 'Areas', roomsTotal: 'Rooms', roomsOnline: 'online', search: 'Search rooms',
    status: 'Status', any: 'Any', online: 'online', offline: 'offline', reconnecting: 'reconnecting', stalled: 'stalled',
    map: 'Map', detail: 'Detail', watch: 'Watch on wall', bitrate: 'Bitrate', rtt: 'RTT', loss: 'Loss',
    delay: 'Delay', layout: 'Layout', source: 'Source', putInTile: 'Put in tile', tile: 'Tile', focus: 'Focus',
    unfocus: 'Unfocus', clear: 'Remove', noSource: 'Empty', playing: 'playing', buffering: 'buffering',
    unsupported: 'this browser cannot decode this codec', native: 'native HLS', admin: 'Administrator', city: 'City',
    county: 'County', township: 'Township', department: 'Department', readOnly: 'Admin reads only: act with an organisation token',
    orgTokens: 'Organisation tokens', organisation: 'Organisation', issueToken: 'Issue token', openAsOrg: 'Open the console as this organisation',
    newIncident: 'New incident', village: 'Village', category: 'Category', grade: 'Grade', incidentTitle: 'Title',
    firstReport: 'First report', create: 'Create', startSession: 'Start joint session', sessions: 'Open sessions',
    invitations: 'Invitations', join: 'Join', leave: 'Leave', feeds: 'Feeds', participants: 'Participants',
    attach: 'Attach', invite: 'Invite', escalate: 'Escalate', handover: 'Hand over', note: 'Note', to: 'To',
    report: 'Report', stage: 'Stage', first: 'First', followup: 'Follow-up', final: 'Final', file: 'File',
    close: 'Close session', overdue: 'overdue', timeline: 'Session record', host: 'Host', natural_disaster: 'Natural disaster',
    accident: 'Accident', public_health: 'Public health', social_safety: 'Social safety', org: 'Organisation',
    invited: 'invited', joined: 'joined', left: 'left', removed: 'removed', none: 'none', incident: 'Incident',
    count: 'Count', roomList: 'Room list', open: 'open', closed: 'closed', refresh: 'Refresh', due: 'due',
    starting: 'connecting', lost: 'signal lost', ended: 'access ended', since: 'since', lastFrame: 'last frame',
    gradeIV: 'general', gradeIII: 'major', gradeII: 'serious', gradeI: 'especially serious',
    incidents: 'Incidents', show: 'Show', incidentOpen: 'in progress', incidentClosed: 'closed', sessionLive: 'in session', reporter: 'Reported by',
    sessionHistory: 'Joint sessions', sessionCount: 'sessions', incidentClosedByFinal: 'Final report filed: the incident is closed',
    placeAndNearby: 'Place and nearby rooms', mapEmpty: 'No rooms in this organisation\'s jurisdiction: session feeds are under Joint reporting',
    participant: 'participant', observer: 'observer', watchingNow: 'watching',
    onWall: 'On the wall', alreadyOnWall: 'already on the wall', watchAll: 'All on the wall', sessionFocus: 'session focus',
  },
};

let language = sessionStorage.getItem('fieldrelay.lang') || 'zh';

export function t(key) {
  return dictionary[language][key] ?? dictionary.en[key] ?? key;
}

export function currentLanguage() { return language; }

export function setLanguage(lang) {
  language = lang;
  sessionStorage.setItem('fieldrelay.lang', lang);
  applyLabels(document);
}

export function applyLabels(root) {
  document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-grade-label]')) el.textContent = `${el.dataset.gradeLabel} ${t(`grade${el.dataset.gradeLabel}`)}`;
}
