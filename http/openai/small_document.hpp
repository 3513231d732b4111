// A RapidJSON document that carries the first part of its memory pool inside itself.
//
// A default rapidjson::Document allocates its allocator, then a 64 KiB pool chunk on the first
// value, then its parse stack's allocator: three heap blocks and 64 KiB of address space for a
// chat request or an SSE chunk of a few hundred bytes. With hundreds of requests in flight each
// small document sat alone on its own 64 KiB, cold by the time it was read. Here the first
// InlineBytes are part of the object (on the stack for a local, in the same block as a shared
// owner), and further chunks grow with the text.
#pragma once

#include <rapidjson/document.h>

#include <algorithm>
#include <cstddef>

namespace gw::openai {

template <size_t InlineBytes>
class small_document {
public:
  /// `text_bytes`: the size of the text to be parsed; later pool chunks are twice that,
  /// between 4 and 64 KiB.
  explicit small_document(size_t text_bytes)
      : pool_(inline_pool_, InlineBytes, std::clamp<size_t>(2 * text_bytes, 4096, 65536)),
        document_(&pool_, parse_stack_bytes, &stack_allocator_) {}

  small_document(const small_document&) = delete;
  small_document& operator=(const small_document&) = delete;
  small_document(small_document&&) = delete;
  small_document& operator=(small_document&&) = delete;
  ~small_document() = default;

  rapidjson::Document& get() {
    return document_;
  }

private:
  /// RapidJSON's default for a document's parse stack.
  static constexpr size_t parse_stack_bytes = 1024;

  // Declared before the document, destroyed after it.
  alignas(std::max_align_t) char inline_pool_[InlineBytes];
  rapidjson::MemoryPoolAllocator<> pool_;
  /// The parse stack's allocator, so that the document does not allocate one.
  rapidjson::CrtAllocator stack_allocator_;
  rapidjson::Document document_;
};

} // namespace gw::openai
