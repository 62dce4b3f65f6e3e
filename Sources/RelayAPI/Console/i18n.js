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
    watchingNow: '正在观看',
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
    watchingNow: 'watching',
    onWall: 'On the wall', alreadyOnWall: 'already on the wall', watchAll: 'All on the wall', sessionFocus: 'session focus',
  },
};

// Controls by role, confirmations, errors said from the server's code, the record as sentences
// (issue 21, items 6-8). Placeholders in braces are filled by the caller.
Object.assign(dictionary.zh, {
  dismiss: '知道了', cancel: '取消', role: '角色', participant: '参与', observer: '列席观察', currentGrade: '当前等级',
  detach: '移除', remove: '移出', raiseTo: '升为',
  confirmClose: '结束会商后，所有视频源将断开，各单位将无法继续观看。此操作不能撤销。确定结束会商吗？',
  confirmHandover: '确定将指挥权移交给{to}吗？移交后本单位不再主持会商。',
  'error.grade_not_lowered': '事件等级只能升高，不能降低。', 'error.grade_unchanged': '事件已经是这个等级。',
  'error.grade_highest': '事件已是最高等级（I级），不能再升级。', 'error.not_host': '只有主持单位可以执行此操作。',
  'error.not_joined': '请先加入会商。', 'error.observer': '列席观察的单位只能观看，不能接入视频或操作会商。',
  'error.not_invited': '本单位未受邀请，对事发地也没有管辖权。', 'error.removed_from_session': '本单位已被主持单位移出会商，需重新受邀才能加入。',
  'error.already_joined': '该单位已经加入会商。', 'error.already_invited': '该单位已经受邀。',
  'error.host_cannot_leave': '主持单位不能退出或被移出：请先移交指挥或结束会商。', 'error.has_authority': '该单位对事发地有管辖权，不能移出，只能自行退出。',
  'error.session_closed': '会商已结束，只能查看记录。', 'error.outside_jurisdiction': '该视频源或地点不在本单位管辖范围内。',
  'error.already_attached': '该视频源已经接入会商。', 'error.not_attached': '该视频源没有接入会商。',
  'error.session_already_open': '该事件已有进行中的会商。', 'error.may_not_report': '本单位可以关注此事件，但不能报告。',
  'error.report_out_of_order': '报告须按初报、续报、终报的顺序提交。', 'error.reporting_closed': '已提交终报，报告已结束。',
  'error.not_in_chain': '指挥权只能在事发地的乡镇、县、市指挥中心之间移交。',
  'error.idempotency_key_reused': '此表单已用于另一项请求，请重新填写后提交。',
  'error.forbidden': '本单位无权执行此操作。', 'error.not_found': '找不到该对象，或本单位无权查看。',
  'error.conflict': '当前状态不允许此操作。', 'error.invalid_argument': '输入内容有误，请检查后重试。',
  'error.unauthorized': '登录已失效，请重新登录。', 'error.unavailable': '服务器暂时无法完成操作，请稍后重试。',
  'error.network': '无法连接服务器，请检查网络后重试。', 'error.unknown': '操作未能完成。',
  'ev.incident.created': '{actor}报告事件：{title}', 'ev.incident.report': '{actor}提交{stage}',
  'ev.session.created': '{actor}开启联报会商', 'ev.session.closed': '{actor}结束会商',
  'ev.feed.attached': '{actor}接入视频源{path}', 'ev.feed.detached': '{actor}移除视频源{path}', 'ev.feed.viewed': '{actor}观看{path}',
  'ev.feed.focus': '{actor}将{path}设为焦点', 'ev.feed.unfocus': '{actor}取消焦点',
  'ev.participant.invited': '{actor}邀请{org}参加会商', 'ev.participant.invited.observer': '{actor}邀请{org}列席观察',
  'ev.participant.invited.escalation': '升级后邀请{org}参加会商',
  'ev.participant.joined': '{actor}加入会商', 'ev.participant.left': '{actor}退出会商', 'ev.participant.removed': '{actor}将{org}移出会商',
  'ev.session.escalated': '{actor}将事件由{from}级升为{grade}级', 'ev.session.escalated.invited': '，邀请{orgs}',
  'ev.session.handover': '{actor}将指挥权移交给{to}：{note}', 'ev.refused': '{actor}{command}未成功：{reason}', 'ev.other': '{actor}：{kind}',
  'cmd.incident.create': '新建事件', 'cmd.incident.report': '提交报告', 'cmd.session.create': '开启会商', 'cmd.feed.attached': '接入视频源',
  'cmd.feed.detached': '移除视频源', 'cmd.feed.focus': '设置焦点', 'cmd.participant.invited': '邀请单位', 'cmd.participant.joined': '加入会商',
  'cmd.participant.left': '退出会商', 'cmd.participant.removed': '移出单位', 'cmd.session.escalated': '升级', 'cmd.session.handover': '移交指挥',
  'cmd.session.closed': '结束会商', hallOf: '{org}会场', bodyCamOf: '{org}单兵图传',
});
Object.assign(dictionary.en, {
  dismiss: 'Dismiss', cancel: 'Cancel', role: 'Role', participant: 'participant', observer: 'observer', currentGrade: 'Current grade',
  detach: 'Detach', remove: 'Remove', raiseTo: 'Raise to',
  confirmClose: 'Closing the session detaches every feed and ends viewing for every unit. This cannot be undone. Close the session?',
  confirmHandover: 'Hand command over to {to}? Your unit will no longer host the session.',
  'error.grade_not_lowered': 'A grade can only be raised, never lowered.', 'error.grade_unchanged': 'The incident already has this grade.',
  'error.grade_highest': 'The incident already has the highest grade (I).', 'error.not_host': 'Only the host may do this.',
  'error.not_joined': 'Join the session first.', 'error.observer': 'An observer watches; it does not attach feeds or run the session.',
  'error.not_invited': 'Your unit is not invited and has no authority over the place.', 'error.removed_from_session': 'The host removed your unit from the session; only a new invitation lets it back.',
  'error.already_joined': 'That unit has already joined.', 'error.already_invited': 'That unit is already invited.',
  'error.host_cannot_leave': 'The host cannot leave or be removed: hand command over or close the session first.', 'error.has_authority': 'That unit has authority over the place; it cannot be removed, only leave.',
  'error.session_closed': 'The session is closed; its record can only be read.', 'error.outside_jurisdiction': 'That source or place is outside your jurisdiction.',
  'error.already_attached': 'That feed is already attached.', 'error.not_attached': 'That feed is not attached to the session.',
  'error.session_already_open': 'The incident already has an open session.', 'error.may_not_report': 'Your unit may follow this incident but not report on it.',
  'error.report_out_of_order': 'Reports come in order: first, follow-ups, final.', 'error.reporting_closed': 'The final report is filed; reporting is closed.',
  'error.not_in_chain': 'Command passes only between the township, county and city halls of the place.',
  'error.idempotency_key_reused': 'This form was already used for another request; fill it in again and submit.',
  'error.forbidden': 'Your unit may not do this.', 'error.not_found': 'Not found, or your unit may not see it.',
  'error.conflict': 'The current state does not allow this.', 'error.invalid_argument': 'Something in the input is not right; check it and try again.',
  'error.unauthorized': 'Your sign-in is no longer valid; sign in again.', 'error.unavailable': 'The server cannot do this right now; try again shortly.',
  'error.network': 'The server cannot be reached; check the network and try again.', 'error.unknown': 'The action did not complete.',
  'ev.incident.created': '{actor} opened the incident: {title}', 'ev.incident.report': '{actor} filed the {stage}',
  'ev.session.created': '{actor} started the joint session', 'ev.session.closed': '{actor} closed the session',
  'ev.feed.attached': '{actor} attached {path}', 'ev.feed.detached': '{actor} detached {path}', 'ev.feed.viewed': '{actor} watched {path}',
  'ev.feed.focus': '{actor} put {path} in focus', 'ev.feed.unfocus': '{actor} cleared the focus',
  'ev.participant.invited': '{actor} invited {org}', 'ev.participant.invited.observer': '{actor} invited {org} as an observer',
  'ev.participant.invited.escalation': '{org} invited by the escalation',
  'ev.participant.joined': '{actor} joined', 'ev.participant.left': '{actor} left', 'ev.participant.removed': '{actor} removed {org}',
  'ev.session.escalated': '{actor} raised the incident from grade {from} to {grade}', 'ev.session.escalated.invited': ', inviting {orgs}',
  'ev.session.handover': '{actor} handed command over to {to}: {note}', 'ev.refused': '{actor} could not {command}: {reason}', 'ev.other': '{actor}: {kind}',
  'cmd.incident.create': 'open an incident', 'cmd.incident.report': 'file a report', 'cmd.session.create': 'start a session', 'cmd.feed.attached': 'attach a feed',
  'cmd.feed.detached': 'detach a feed', 'cmd.feed.focus': 'set the focus', 'cmd.participant.invited': 'invite', 'cmd.participant.joined': 'join',
  'cmd.participant.left': 'leave', 'cmd.participant.removed': 'remove a unit', 'cmd.session.escalated': 'escalate', 'cmd.session.handover': 'hand over',
  'cmd.session.closed': 'close the session', hallOf: '{org} hall', bodyCamOf: '{org} body camera',
});

// Recordings on an incident and a session (issue 14): the timeline, playback, evidence marks, the
// legal hold and exports.
Object.assign(dictionary.zh, {
  recordings: '录像', recLoading: '正在读取录像…', recNone: '还没有录像：接入会商的视频源录制后显示在这里。',
  recHint: '点击时间轴从该时刻回放；拖动可选定一段时间。', recGap: '无录像', recRecorded: '有录像',
  recPointer: '指针处 {time}', recPlaying: '正在回放 {name} {time}', recSelected: '选定 {name} {from} – {to}（{duration}）',
  recNoSelection: '未选定时间段', recNothingThen: '该视频源在此时刻之后没有录像。', recSelectFirst: '请先在时间轴上点击或拖动选定一段时间。',
  recCannotPlay: '无法播放这段录像', recMarkEvidence: '标记为证据', recMarked: '已标记为证据：{name} {from} – {to}',
  recExport: '导出选定时间段', recDownload: '下载导出包', 'recExport.queued': '排队中', 'recExport.running': '导出中',
  'recExport.done': '已完成', 'recExport.failed': '失败', recHold: '法律保全', recHoldOn: '已保全', recHoldOff: '未保全',
  recHoldPlace: '设置法律保全', recHoldRelease: '解除法律保全', recHoldBy: '{org}于{time}设置{note}',
  recHoldNotAllowed: '法律保全只能由管理员或事发地的县、市级指挥中心设置或解除。',
  confirmReleaseHold: '解除法律保全后，此事件的录像将按常规保存期限删除。确定解除吗？',
  recNoteEvidence: '证据说明', recNoteHold: '保全说明（如案号）', recNoteExport: '导出用途', ok: '确定', durationMS: '{m}分{s}秒',
  'error.recording_off': '本网关未开启录像。', 'error.recording_unavailable': '录像暂时不可用，请稍后重试。',
  'error.invalid_from': '起始时间有误（不能晚于当前时间）。', 'error.invalid_to': '结束时间有误（须晚于起始时间，且时长不超过上限）。',
  'error.integrity': '这段录像校验未通过，已拒绝播放。',
});
Object.assign(dictionary.en, {
  recordings: 'Recordings', recLoading: 'Reading the recordings…', recNone: 'Nothing recorded yet: the feeds attached to a session show here once recorded.',
  recHint: 'Click the timeline to play from that moment; drag to select a range.', recGap: 'not recorded', recRecorded: 'recorded',
  recPointer: 'At the pointer {time}', recPlaying: 'Playing {name} {time}', recSelected: 'Selected {name} {from} – {to} ({duration})',
  recNoSelection: 'No range selected', recNothingThen: 'Nothing of this feed was recorded from that moment on.', recSelectFirst: 'Click or drag on the timeline to select a range first.',
  recCannotPlay: 'This recording cannot be played', recMarkEvidence: 'Mark as evidence', recMarked: 'Marked as evidence: {name} {from} – {to}',
  recExport: 'Export the range', recDownload: 'Download the package', 'recExport.queued': 'queued', 'recExport.running': 'exporting',
  'recExport.done': 'done', 'recExport.failed': 'failed', recHold: 'Legal hold', recHoldOn: 'on', recHoldOff: 'off',
  recHoldPlace: 'Place a legal hold', recHoldRelease: 'Release the legal hold', recHoldBy: 'placed by {org} at {time}{note}',
  recHoldNotAllowed: 'Only the admin or the county or city hall of the place may place or release a legal hold.',
  confirmReleaseHold: 'Released, the incident\'s video is kept only as long as the usual rules say. Release the legal hold?',
  recNoteEvidence: 'Why this is evidence', recNoteHold: 'Reason for the hold (e.g. a case number)', recNoteExport: 'What the export is for', ok: 'OK', durationMS: '{m} min {s} s',
  'error.recording_off': 'Recording is off on this gateway.', 'error.recording_unavailable': 'Recording is unavailable right now; try again shortly.',
  'error.invalid_from': 'The start time is not right (it cannot be in the future).', 'error.invalid_to': 'The end time is not right (after the start, and not longer than allowed).',
  'error.integrity': 'This part of the recording failed its check and is not played.',
});

/// `t(key)` with `{name}` placeholders filled from `values`.
export function tf(key, values = {}) {
  return t(key).replace(/\{(\w+)\}/g, (_, name) => values[name] ?? '');
}

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
