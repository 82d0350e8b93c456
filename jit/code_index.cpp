#include "jit/code_index.hpp"

#include <utility>

namespace strata::jit {

CodeEntry CodeIndex::insert(CodeKey key, CodeEntry e) {
  // Invariant: at most half the slots are full, so every probe sequence reaches an empty slot.
  if ((size_ + 1) * 2 > slots_.size()) grow();
  for (size_t i = home_of(key);; i = (i + 1) & mask()) {
    Slot& s = slots_[i];
    if (s.entry.code == nullptr) {
      s = Slot{key, e};
      ++size_;
      return {};
    }
    if (s.key == key) return std::exchange(s.entry, e);
  }
}

CodeEntry CodeIndex::erase(CodeKey key) {
  size_t i = home_of(key);
  for (;; i = (i + 1) & mask()) {
    if (slots_[i].entry.code == nullptr) return {};
    if (slots_[i].key == key) break;
  }
  const CodeEntry removed = slots_[i].entry;
  // Backward shift: walk the rest of the cluster; an entry may move into the hole at `i` when
  // the hole lies on its probe path, i.e. is no farther from its home than the entry itself.
  for (size_t j = (i + 1) & mask(); slots_[j].entry.code != nullptr; j = (j + 1) & mask()) {
    const size_t home = home_of(slots_[j].key);
    if (((j - home) & mask()) >= ((j - i) & mask())) {
      slots_[i] = slots_[j];
      i = j;
    }
  }
  slots_[i] = Slot{};
  --size_;
  return removed;
}

void CodeIndex::grow() {
  std::vector<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  size_ = 0;
  for (const Slot& s : old) {
    if (s.entry.code != nullptr) insert(s.key, s.entry);
  }
}

}  // namespace strata::jit
