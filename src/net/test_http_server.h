// TestHttpServer: a loopback HTTP/1.1 server for unit tests, so HTTP code is
// tested against real sockets without the network. One thread accepts
// connections one at a time, reads each request head and hands it, with the
// connection, to a handler that writes the whole response; the connection is
// closed after every response.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace berth::net {

// Writes all of data to the socket fd; false once the peer has gone away
// (MSG_NOSIGNAL: a client that hangs up early raises no SIGPIPE).
inline bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

class TestHttpServer {
 public:
  // Writes the response to request (its head, "GET / HTTP/1.1\r\n...\r\n\r\n") on fd.
  using Handler = std::function<void(int fd, const std::string& request)>;

  explicit TestHttpServer(Handler handler) : handler_(std::move(handler)) {
    listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_, 8) != 0) {
      return;  // port_ stays 0: requests fail to connect
    }
    socklen_t len = sizeof addr;
    ::getsockname(listen_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  // A server answering every request with the same bytes.
  explicit TestHttpServer(std::string response)
      : TestHttpServer([response](int fd, const std::string&) { SendAll(fd, response); }) {}

  // Stops accepting (shutdown wakes the blocked accept) and joins the thread.
  ~TestHttpServer() {
    ::shutdown(listen_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    ::close(listen_);
  }
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  // The request heads received so far, in order.
  std::vector<std::string> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void Serve() {
    for (;;) {
      int c = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      std::string request = ReadHead(c);
      {
        std::lock_guard lock(mu_);
        requests_.push_back(request);
      }
      handler_(c, request);
      ::close(c);
    }
  }

  static std::string ReadHead(int c) {
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) break;
      head.append(buf, static_cast<size_t>(n));
    }
    return head;
  }

  Handler handler_;
  int listen_ = -1;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::string> requests_;
};

}  // namespace berth::net
