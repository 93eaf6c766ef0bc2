#ifndef CGATEWAY_SHIMS_H
#define CGATEWAY_SHIMS_H

// What Swift cannot call directly: libcurl's variadic setopt/getinfo (one typed wrapper per
// argument kind), macros that do not import, the packed epoll_event, and SO_PEERCRED's GNU struct.
// Every symbol is prefixed cgw_.

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <curl/curl.h>

// MARK: libcurl easy handles

CURLcode cgw_curl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode cgw_curl_easy_setopt_off(CURL *handle, CURLoption option, curl_off_t value);
CURLcode cgw_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode cgw_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode cgw_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);

typedef size_t (*cgw_curl_data_callback)(char *buffer, size_t size, size_t count, void *userdata);
CURLcode cgw_curl_easy_setopt_write_function(CURL *handle, cgw_curl_data_callback callback);
CURLcode cgw_curl_easy_setopt_read_function(CURL *handle, cgw_curl_data_callback callback);
CURLcode cgw_curl_easy_setopt_header_function(CURL *handle, cgw_curl_data_callback callback);

typedef curl_socket_t (*cgw_curl_opensocket_callback)(void *userdata, curlsocktype purpose,
                                                      struct curl_sockaddr *address);
typedef int (*cgw_curl_closesocket_callback)(void *userdata, curl_socket_t socket);
CURLcode cgw_curl_easy_setopt_opensocket_function(CURL *handle, cgw_curl_opensocket_callback cb);
CURLcode cgw_curl_easy_setopt_closesocket_function(CURL *handle, cgw_curl_closesocket_callback cb);

typedef int (*cgw_curl_seek_callback)(void *userdata, curl_off_t offset, int origin);
CURLcode cgw_curl_easy_setopt_seek_function(CURL *handle, cgw_curl_seek_callback cb);
/// CURL_SEEKFUNC_OK and CURL_SEEKFUNC_CANTSEEK.
extern const int cgw_CURL_SEEKFUNC_OK;
extern const int cgw_CURL_SEEKFUNC_CANTSEEK;

CURLcode cgw_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode cgw_curl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value);

/// CURLPAUSE_CONT and friends are composite macros that Swift does not import.
extern const int cgw_CURLPAUSE_CONT;
extern const int cgw_CURLPAUSE_ALL;
extern const int cgw_CURLPAUSE_RECV;
extern const int cgw_CURLPAUSE_SEND;

// MARK: libcurl multi handles

typedef int (*cgw_curl_socket_callback)(CURL *easy, curl_socket_t socket, int what, void *userp,
                                        void *socketp);
typedef int (*cgw_curl_timer_callback)(CURLM *multi, long timeout_ms, void *userp);
CURLMcode cgw_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);
CURLMcode cgw_curl_multi_setopt_pointer(CURLM *multi, CURLMoption option, void *value);
CURLMcode cgw_curl_multi_setopt_socket_function(CURLM *multi, cgw_curl_socket_callback cb);
CURLMcode cgw_curl_multi_setopt_timer_function(CURLM *multi, cgw_curl_timer_callback cb);

/// Fields of a CURLMsg (its union does not import cleanly).
int cgw_curl_msg_is_done(const CURLMsg *message);
CURL *cgw_curl_msg_easy(const CURLMsg *message);
CURLcode cgw_curl_msg_result(const CURLMsg *message);

// MARK: epoll, eventfd, timerfd

/// epoll_event is packed on x86_64, so Swift gets an unpacked copy.
typedef struct {
  uint32_t events;
  uint64_t data;
} cgw_epoll_event;

int cgw_epoll_create(void);
int cgw_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
/// Waits like epoll_wait and unpacks up to `capacity` events into `out`.
int cgw_epoll_wait(int epfd, cgw_epoll_event *out, int capacity, int timeout_ms);

extern const int cgw_EPOLL_CTL_ADD;
extern const int cgw_EPOLL_CTL_MOD;
extern const int cgw_EPOLL_CTL_DEL;
extern const uint32_t cgw_EPOLLIN;
extern const uint32_t cgw_EPOLLOUT;
extern const uint32_t cgw_EPOLLERR;
extern const uint32_t cgw_EPOLLHUP;
extern const uint32_t cgw_EPOLLRDHUP;
extern const uint32_t cgw_EPOLLET;

int cgw_eventfd(void);
int cgw_timerfd_create(void);
/// Arms the timer to fire once after `nanoseconds` (0 disarms).
int cgw_timerfd_set_relative(int fd, uint64_t nanoseconds);

// MARK: sockets

/// The peer's pid, uid and gid of a connected Unix socket (SO_PEERCRED). Returns 0 or -1 with errno.
int cgw_peer_credentials(int fd, pid_t *pid, uid_t *uid, gid_t *gid);
/// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC.
int cgw_accept_nonblocking(int listen_fd);
/// socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0).
int cgw_unix_stream_socket(void);
/// bind() to a Unix socket path; -1 with ENAMETOOLONG if it does not fit sun_path.
int cgw_bind_unix(int fd, const char *path);
int cgw_connect_unix(int fd, const char *path);
/// send() with MSG_NOSIGNAL, so a closed peer is EPIPE, never SIGPIPE.
ssize_t cgw_send(int fd, const void *buffer, size_t length);

#endif
