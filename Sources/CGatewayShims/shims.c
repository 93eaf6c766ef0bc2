#define _GNU_SOURCE
#include "CGatewayShims.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

CURLcode cgw_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
  return curl_easy_setopt(handle, option, value);
}
CURLcode cgw_curl_easy_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
  return curl_easy_setopt(handle, option, value);
}
CURLcode cgw_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
  return curl_easy_setopt(handle, option, value);
}
CURLcode cgw_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
  return curl_easy_setopt(handle, option, value);
}
CURLcode cgw_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
  return curl_easy_setopt(handle, option, value);
}
CURLcode cgw_curl_easy_setopt_write_function(CURL *handle, cgw_curl_data_callback callback) {
  return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}
CURLcode cgw_curl_easy_setopt_read_function(CURL *handle, cgw_curl_data_callback callback) {
  return curl_easy_setopt(handle, CURLOPT_READFUNCTION, callback);
}
CURLcode cgw_curl_easy_setopt_header_function(CURL *handle, cgw_curl_data_callback callback) {
  return curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}
CURLcode cgw_curl_easy_setopt_opensocket_function(CURL *handle, cgw_curl_opensocket_callback cb) {
  return curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, cb);
}
CURLcode cgw_curl_easy_setopt_closesocket_function(CURL *handle, cgw_curl_closesocket_callback cb) {
  return curl_easy_setopt(handle, CURLOPT_CLOSESOCKETFUNCTION, cb);
}
CURLcode cgw_curl_easy_setopt_seek_function(CURL *handle, cgw_curl_seek_callback cb) {
  return curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, cb);
}
const int cgw_CURL_SEEKFUNC_OK = CURL_SEEKFUNC_OK;
const int cgw_CURL_SEEKFUNC_CANTSEEK = CURL_SEEKFUNC_CANTSEEK;
CURLcode cgw_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
  return curl_easy_getinfo(handle, info, value);
}
CURLcode cgw_curl_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
  return curl_easy_getinfo(handle, info, value);
}

const int cgw_CURLPAUSE_CONT = CURLPAUSE_CONT;
const int cgw_CURLPAUSE_ALL = CURLPAUSE_ALL;
const int cgw_CURLPAUSE_RECV = CURLPAUSE_RECV;
const int cgw_CURLPAUSE_SEND = CURLPAUSE_SEND;

CURLMcode cgw_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
  return curl_multi_setopt(multi, option, value);
}
CURLMcode cgw_curl_multi_setopt_pointer(CURLM *multi, CURLMoption option, void *value) {
  return curl_multi_setopt(multi, option, value);
}
CURLMcode cgw_curl_multi_setopt_socket_function(CURLM *multi, cgw_curl_socket_callback cb) {
  return curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, cb);
}
CURLMcode cgw_curl_multi_setopt_timer_function(CURLM *multi, cgw_curl_timer_callback cb) {
  return curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, cb);
}

int cgw_curl_msg_is_done(const CURLMsg *message) { return message->msg == CURLMSG_DONE; }
CURL *cgw_curl_msg_easy(const CURLMsg *message) { return message->easy_handle; }
CURLcode cgw_curl_msg_result(const CURLMsg *message) { return message->data.result; }

int cgw_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int cgw_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
  struct epoll_event event;
  memset(&event, 0, sizeof(event));
  event.events = events;
  event.data.u64 = data;
  return epoll_ctl(epfd, op, fd, &event);
}

int cgw_epoll_wait(int epfd, cgw_epoll_event *out, int capacity, int timeout_ms) {
  struct epoll_event events[256];
  if (capacity > 256) capacity = 256;
  int count = epoll_wait(epfd, events, capacity, timeout_ms);
  for (int i = 0; i < count; i++) {
    out[i].events = events[i].events;
    out[i].data = events[i].data.u64;
  }
  return count;
}

const int cgw_EPOLL_CTL_ADD = EPOLL_CTL_ADD;
const int cgw_EPOLL_CTL_MOD = EPOLL_CTL_MOD;
const int cgw_EPOLL_CTL_DEL = EPOLL_CTL_DEL;
const uint32_t cgw_EPOLLIN = EPOLLIN;
const uint32_t cgw_EPOLLOUT = EPOLLOUT;
const uint32_t cgw_EPOLLERR = EPOLLERR;
const uint32_t cgw_EPOLLHUP = EPOLLHUP;
const uint32_t cgw_EPOLLRDHUP = EPOLLRDHUP;
const uint32_t cgw_EPOLLET = EPOLLET;

int cgw_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }
int cgw_timerfd_create(void) { return timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC); }

int cgw_timerfd_set_relative(int fd, uint64_t nanoseconds) {
  struct itimerspec spec;
  memset(&spec, 0, sizeof(spec));
  spec.it_value.tv_sec = (time_t)(nanoseconds / 1000000000ULL);
  spec.it_value.tv_nsec = (long)(nanoseconds % 1000000000ULL);
  return timerfd_settime(fd, 0, &spec, NULL);
}

int cgw_peer_credentials(int fd, pid_t *pid, uid_t *uid, gid_t *gid) {
  struct ucred credentials;
  socklen_t length = sizeof(credentials);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return -1;
  *pid = credentials.pid;
  *uid = credentials.uid;
  *gid = credentials.gid;
  return 0;
}

int cgw_accept_nonblocking(int listen_fd) {
  return accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int cgw_unix_stream_socket(void) {
  return socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

static int cgw_fill_unix_address(struct sockaddr_un *address, const char *path) {
  memset(address, 0, sizeof(*address));
  address->sun_family = AF_UNIX;
  size_t length = strlen(path);
  if (length >= sizeof(address->sun_path)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(address->sun_path, path, length);
  return 0;
}

int cgw_bind_unix(int fd, const char *path) {
  struct sockaddr_un address;
  if (cgw_fill_unix_address(&address, path) != 0) return -1;
  return bind(fd, (struct sockaddr *)&address, sizeof(address));
}

int cgw_connect_unix(int fd, const char *path) {
  struct sockaddr_un address;
  if (cgw_fill_unix_address(&address, path) != 0) return -1;
  return connect(fd, (struct sockaddr *)&address, sizeof(address));
}

ssize_t cgw_send(int fd, const void *buffer, size_t length) {
  return send(fd, buffer, length, MSG_NOSIGNAL);
}
