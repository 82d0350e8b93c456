#include "jit/opt/code_sizes.hpp"

#include <utility>

#include <llvm/ExecutionEngine/Orc/ObjectTransformLayer.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Object/SymbolSize.h>

namespace strata::jit::opt {

void CodeSizes::attach(llvm::orc::LLJIT& jit) {
  jit.getObjTransformLayer().setTransform(
      [this](std::unique_ptr<llvm::MemoryBuffer> object)
          -> llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> {
        record(object->getMemBufferRef());
        return object;
      });
}

void CodeSizes::record(llvm::MemoryBufferRef object) {
  auto obj = llvm::object::ObjectFile::createObjectFile(object);
  if (!obj) {
    // The linker reports a bad object itself; here it only costs the names.
    llvm::consumeError(obj.takeError());
    return;
  }
  std::lock_guard<std::mutex> hold(mu_);
  for (const auto& [sym, size] : llvm::object::computeSymbolSizes(**obj)) {
    auto type = sym.getType();
    auto name = sym.getName();
    if (!type || !name) {
      if (!type) llvm::consumeError(type.takeError());
      if (!name) llvm::consumeError(name.takeError());
      continue;
    }
    if (*type == llvm::object::SymbolRef::ST_Function) sizes_[name->str()] = size;
  }
}

uint64_t CodeSizes::take(const std::string& name) {
  std::lock_guard<std::mutex> hold(mu_);
  auto it = sizes_.find(name);
  if (it == sizes_.end()) return 0;
  const uint64_t size = it->second;
  sizes_.erase(it);
  return size;
}

}  // namespace strata::jit::opt
