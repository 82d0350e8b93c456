#include "jit/opt/object_compiler.hpp"

#include <utility>

#include <llvm/ExecutionEngine/Orc/CompileUtils.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/SmallVectorMemoryBuffer.h>

namespace strata::jit::opt {

ObjectCompiler::ObjectCompiler(llvm::TargetMachine& tm)
    : IRCompiler(llvm::orc::irManglingOptionsFromTargetOptions(tm.Options)), tm_(tm) {}

llvm::Expected<std::unique_ptr<ObjectCompiler>> ObjectCompiler::create(llvm::TargetMachine& tm) {
  auto c = std::unique_ptr<ObjectCompiler>(new ObjectCompiler(tm));
  llvm::MCContext* mc = nullptr;
  if (c->tm_.addPassesToEmitMC(c->passes_, mc, c->out_))
    return llvm::make_error<llvm::StringError>("the target cannot emit object code",
                                               llvm::inconvertibleErrorCode());
  return c;
}

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> ObjectCompiler::operator()(llvm::Module& m) {
  std::lock_guard<std::mutex> hold(running_);
  object_.clear();
  passes_.run(m);
  // Moved out: object_ is left empty and the stream (unbuffered, it only appends to and
  // patches object_) writes the next module's object into it from the start.
  auto buffer = std::make_unique<llvm::SmallVectorMemoryBuffer>(
      std::move(object_), m.getModuleIdentifier() + "-jitted-objectbuffer",
      /*RequiresNullTerminator=*/false);
  // As SimpleCompiler: an object the linker cannot parse is an error here, not later.
  if (auto obj = llvm::object::ObjectFile::createObjectFile(buffer->getMemBufferRef()); !obj)
    return obj.takeError();
  return buffer;
}

}  // namespace strata::jit::opt
