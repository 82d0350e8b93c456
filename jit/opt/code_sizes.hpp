// The size of each function's machine code as ORC links it, for the perf map (jit/perf_map.hpp):
// LLJIT's lookup gives a function's address, never its length, so a transform on the object
// layer reads the symbol sizes of every object on its way to the linker.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include <llvm/ExecutionEngine/Orc/LLJIT.h>

namespace strata::jit::opt {

class CodeSizes {
 public:
  // Installs the transform on `jit`'s object layer; `this` must outlive the jit's compiles.
  void attach(llvm::orc::LLJIT& jit);
  // The size of function `name`'s code in the last object that defined it, and forgets it;
  // 0 if no object seen since defined it.
  uint64_t take(const std::string& name);

 private:
  void record(llvm::MemoryBufferRef object);

  std::mutex mu_;  // the transform runs on whichever thread materializes
  std::unordered_map<std::string, uint64_t> sizes_;
};

}  // namespace strata::jit::opt
