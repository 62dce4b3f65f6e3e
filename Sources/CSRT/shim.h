#ifndef FIELDRELAY_CSRT_SHIM_H
#define FIELDRELAY_CSRT_SHIM_H
// libsrt, GnuTLS build (pkg-config name `srt`). Never the OpenSSL build: Debian's libavformat
// links this one, and two copies of libsrt in one process crash on first use.
#include <srt/srt.h>
#include <srt/access_control.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

// SRT_ERROR / SRT_INVALID_SOCK are macros Swift cannot import.
static inline int csrt_error(void) { return SRT_ERROR; }
static inline SRTSOCKET csrt_invalid_sock(void) { return SRT_INVALID_SOCK; }

// glibc's allocator (SRTTransport/ProcessHeap.swift). Here because C stays in the two shim modules;
// libsrt's per-socket buffers are what made it matter.
#include <malloc.h>
static inline int csrt_heap_trim(void) { return malloc_trim(0); }
static inline int csrt_heap_map_threshold(int bytes) { return mallopt(M_MMAP_THRESHOLD, bytes); }
#endif
