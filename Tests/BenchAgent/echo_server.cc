// A minimal, fast gRPC echo server for session-gateway benchmarks.
//
// Any method path is accepted (callback generic service, no codegen): the
// first request message is sent back unchanged as the response, then status
// OK. Insecure (h2c), on a Unix socket and/or TCP.
//
//   echo_server --listen unix:/tmp/bench.sock [--listen 127.0.0.1:0]
//               [--token-metadata] [--threads N]
//
// Prints one line "READY <address> [<address>...]" when serving; exits 0 on
// SIGTERM/SIGINT. --token-metadata adds leading metadata
// "authorization: Bearer bench-<n>" to every answer (a rotating token, as a
// Polykey agent sends), to benchmark the gateway's token-storing path.

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/support/byte_buffer.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <pthread.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

std::atomic<unsigned long long> g_counter{0};
bool g_token_metadata = false;

class EchoReactor final : public grpc::ServerGenericBidiReactor {
 public:
  explicit EchoReactor(grpc::GenericCallbackServerContext* ctx) {
    if (g_token_metadata) {
      ctx->AddInitialMetadata("authorization",
                              "Bearer bench-" + std::to_string(++g_counter));
    }
    StartRead(&buffer_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "no request message"));
      return;
    }
    StartWriteAndFinish(&buffer_, grpc::WriteOptions(), grpc::Status::OK);
  }

  void OnWriteDone(bool /*ok*/) override {}
  void OnDone() override { delete this; }

 private:
  grpc::ByteBuffer buffer_;
};

class EchoService final : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* ctx) override {
    return new EchoReactor(ctx);
  }
};

void usage(FILE* out) {
  std::fprintf(out,
               "usage: echo_server --listen unix:/path|HOST:PORT [--listen ...]\n"
               "                   [--token-metadata] [--threads N]\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> listens;
  int threads = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--listen" && i + 1 < argc) {
      listens.push_back(argv[++i]);
    } else if (a.rfind("--listen=", 0) == 0) {
      listens.push_back(a.substr(9));
    } else if (a == "--token-metadata") {
      g_token_metadata = true;
    } else if (a == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (a == "--help" || a == "-h") {
      usage(stdout);
      return 0;
    } else {
      usage(stderr);
      return 64;
    }
  }
  if (listens.empty()) listens.push_back("127.0.0.1:0");

  // Block the stop signals in every thread; one thread waits for them.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  EchoService service;
  grpc::ServerBuilder builder;
  builder.SetMaxReceiveMessageSize(-1);
  builder.SetMaxSendMessageSize(-1);
  if (threads > 0) {
    grpc::ResourceQuota quota("echo_server");
    quota.SetMaxThreads(threads);
    builder.SetResourceQuota(quota);
  }
  std::vector<std::unique_ptr<int>> ports;
  for (const auto& l : listens) {
    if (l.rfind("unix:", 0) == 0) unlink(l.c_str() + 5);
    ports.push_back(std::make_unique<int>(0));
    builder.AddListeningPort(l, grpc::InsecureServerCredentials(),
                             ports.back().get());
  }
  builder.RegisterCallbackGenericService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) {
    std::fprintf(stderr, "echo_server: cannot start\n");
    return 69;
  }

  std::string ready = "READY";
  for (size_t i = 0; i < listens.size(); ++i) {
    const std::string& l = listens[i];
    if (l.rfind("unix:", 0) == 0) {
      ready += " " + l;
    } else {
      if (*ports[i] == 0) {
        std::fprintf(stderr, "echo_server: cannot listen on %s\n", l.c_str());
        return 69;
      }
      ready += " " + l.substr(0, l.rfind(':')) + ":" + std::to_string(*ports[i]);
    }
  }
  std::printf("%s\n", ready.c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&sigs, &sig);
  server->Shutdown(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(500));
  for (const auto& l : listens) {
    if (l.rfind("unix:", 0) == 0) unlink(l.c_str() + 5);
  }
  return 0;
}
