#include "tests/stdlib/fake_context.hpp"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vm/outstream.hpp"

namespace strata::stdlib::test {
namespace {

std::string read_all(int fd) {
  std::string s;
  char buf[4096];
  ssize_t n;
  off_t at = 0;
  while ((n = ::pread(fd, buf, sizeof buf, at)) > 0) {
    s.append(buf, static_cast<size_t>(n));
    at += n;
  }
  return s;
}

}  // namespace

FakeContext::FakeContext()
    : out_fd_(memfd_create("stdout", MFD_CLOEXEC)), err_fd_(memfd_create("stderr", MFD_CLOEXEC)) {
  vm::heap_init();
  out_ = new vm::OutStream(out_fd_);
  err_ = new vm::OutStream(err_fd_);
}

FakeContext::~FakeContext() {
  delete out_;
  delete err_;
  ::close(out_fd_);
  ::close(err_fd_);
}

void FakeContext::trap(vm::TrapKind kind, std::string message) {
  trapped = TrapRecord{kind, std::move(message)};
  ++traps;
}

vm::Value FakeContext::call(std::string_view module, std::string_view name,
                            std::initializer_list<vm::Value> args) {
  const vm::NativeDef* d = find_native(module, name);
  EXPECT_NE(d, nullptr) << module << "." << name << " is not registered";
  vm::Value result;
  result.bits = kGarbage;
  if (!d) return result;
  trapped.reset();
  traps = 0;
  d->fn(*this, args.begin(), &result);
  EXPECT_LE(traps, 1) << module << "." << name << " trapped more than once";
  return result;
}

std::string FakeContext::out_text() {
  out_->flush();
  return read_all(out_fd_);
}

std::string FakeContext::err_text() {
  err_->flush();
  return read_all(err_fd_);
}

vm::Value S(std::string_view t) {
  vm::String* s = vm::new_string(t);
  EXPECT_NE(s, nullptr);
  return vm::Value::from_r(s);
}

std::string text(vm::Value v) {
  if (v.r == nullptr) return "<null>";
  if (v.bits == kGarbage || v.r->kind != vm::ObjKind::String) return "<not a string>";
  return std::string(static_cast<vm::String*>(v.r)->view());
}

}  // namespace strata::stdlib::test
