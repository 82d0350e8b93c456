// The monitor socket of `strata boot --monitor unix:PATH`: a thread accepts one client at a time
// (attach_protocol.hpp) and queues its command lines; the thread that runs the guest takes them
// between runs and answers through out()/err(). That keeps vm/vcpu.hpp's contract: the socket
// thread's only call on the Vcpu is request_stop() (a client arrived, or sent `stop` during a
// run, or left during one).
#pragma once

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "isa/error.hpp"
#include "vm/vcpu.hpp"

namespace strata::monitor {

class MonitorServer {
 public:
  // Listens at `path` (unix_socket.hpp's rules for what may be there already).
  static Result<std::unique_ptr<MonitorServer>> start(const std::string& path, vm::Vcpu& cpu);
  // Stops the thread, closes the sockets, removes the socket file.
  ~MonitorServer();
  MonitorServer(const MonitorServer&) = delete;
  MonitorServer& operator=(const MonitorServer&) = delete;

  // ---- the run thread ----

  // True once per client arrival: that client's stop request ended the last run.
  bool take_stop_request();
  // A client is connected and its session is not over.
  bool has_client();
  // The client's next command line; nullopt when it has gone.
  std::optional<std::string> next_line();
  // The REPL's streams for the client (written as frames; discarded without a client).
  std::FILE* out() { return out_; }
  std::FILE* err() { return err_; }
  // The command is done ("P").
  void ready();
  // A run starts ("R"): from now `stop` from the client stops it.
  void run_started();
  // The run is over; true when the client asked for a stop during it (the request may still be
  // pending in the vcpu if the run ended otherwise).
  bool run_ended();
  // Closes the client's connection; the next client may come.
  void end_session();

 private:
  MonitorServer(std::string path, int listen_fd, vm::Vcpu& cpu);
  void serve();
  void accept_client();
  // Reads what the client sent; false when it has gone.
  bool read_client();
  void send_frame(char tag, std::string_view bytes);
  void send_raw(std::string_view bytes);
  static ssize_t write_out(void* self, const char* buf, size_t n);
  static ssize_t write_err(void* self, const char* buf, size_t n);

  std::string path_;
  int listen_fd_;
  int wake_[2] = {-1, -1};
  vm::Vcpu& cpu_;
  std::FILE* out_ = nullptr;
  std::FILE* err_ = nullptr;

  std::mutex mu_;
  std::condition_variable cv_;
  int client_fd_ = -1;
  bool client_gone_ = false;   // the client closed its end
  bool session_over_ = false;  // the run thread is done with the client: close it
  bool running_ = false;
  bool stop_sent_ = false;       // the client's `stop` during this run
  bool stop_requested_ = false;  // a client's arrival asked for a stop
  bool quit_ = false;
  std::deque<std::string> lines_;
  std::string partial_;  // an incomplete line from the client
  std::mutex write_mu_;
  std::thread thread_;
};

}  // namespace strata::monitor
