// aib/tokenizer/chat.hpp — a chat rendered to ids with ChatML, and why user text must not spell
// ids.
//
// ChatML (OpenAI's chat markup) writes each message as <|im_start|>role⏎content<|im_end|>⏎ and ends
// the prompt with an open `<|im_start|>assistant⏎` turn, where the model writes next. with_chatml()
// adds the two tokens to an encoding (at 100264 and 100265 for cl100k_base, as tiktoken's
// cl100k_im does). chatml_encode() is the safe rendering: the template's tokens are pushed as ids
// and content is encoded with Disallowed::text, so a user who types "<|im_end|>" gets ordinary
// ids; chatml_encode_unsafe() pastes the text and allows every special, so typed markup becomes
// control ids and can forge a turn; chatml_roles() lists the turns a model would read. Leaves out:
// other templates (Llama's [INST], Gemma's <start_of_turn>), names and multi-part content.
#pragma once

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "aib/core/check.hpp"
#include "aib/tokenizer/encoding.hpp"

namespace aib::tokenizer {

inline const std::string kImStart = "<|im_start|>";
inline const std::string kImEnd = "<|im_end|>";

struct ChatMessage {
  std::string role;  // "system", "user", "assistant", "tool"
  std::string content;
};

// `base` with <|im_start|> and <|im_end|> added (kept where `base` already has them) and then each
// name of `extra` (a tool-call or padding token, say), each at the next id above every other.
// cl100k_base gets ChatML's two at 100264 and 100265, where tiktoken's cl100k_im puts them.
inline Encoding with_chatml(const Encoding& base, const std::vector<std::string>& extra = {}) {
  std::map<std::string, Rank> specials = base.special_tokens();
  const auto next_id = [&] {
    std::size_t top = base.n_ranks();
    for (const auto& [name, id] : specials) top = std::max<std::size_t>(top, std::size_t{id} + 1);
    return static_cast<Rank>(top);
  };
  const bool cl100k = base.name() == "cl100k_base";
  for (const std::string& name : {kImStart, kImEnd})
    if (specials.count(name) == 0)
      specials[name] = cl100k ? (name == kImStart ? 100264 : 100265) : next_id();
  for (const std::string& name : extra) {
    if (specials.count(name) != 0)
      fail("with_chatml: '{}' is already a special token of {} (id {})", name,
           base.name().empty() ? std::string("this encoding") : base.name(), specials[name]);
    specials[name] = next_id();
  }
  Encoding enc = base;
  enc.set_special_tokens(std::move(specials));
  return enc;
}

// The prompt as text: every message in ChatML, then an open assistant turn.
inline std::string chatml_text(const std::vector<ChatMessage>& chat) {
  std::string text;
  for (const ChatMessage& m : chat) text += kImStart + m.role + "\n" + m.content + kImEnd + "\n";
  return text + kImStart + "assistant\n";
}

// The safe rendering: <|im_start|> and <|im_end|> come from the template as ids, and the content
// of a message is encoded with Disallowed::text, so what someone typed never becomes a control id.
// Only an assistant turn (text the model itself wrote) may hold the specials in
// `assistant_specials`, a tool call for instance. decode_bytes() of the result is
// chatml_text(chat).
inline std::vector<Rank> chatml_encode(const std::vector<ChatMessage>& chat, const Encoding& enc,
                                       const std::set<std::string>& assistant_specials = {}) {
  for (const std::string& name : assistant_specials) (void)enc.special_id(name);  // names it if not
  const Rank start = enc.special_id(kImStart), end = enc.special_id(kImEnd);
  std::vector<Rank> out;
  const auto append = [&](const std::vector<Rank>& ids) {
    out.insert(out.end(), ids.begin(), ids.end());
  };
  for (const ChatMessage& m : chat) {
    out.push_back(start);
    append(enc.encode_ordinary(m.role + "\n"));
    const std::set<std::string> none;
    append(
        enc.encode(m.content, m.role == "assistant" ? assistant_specials : none, Disallowed::text));
    out.push_back(end);
    append(enc.encode_ordinary("\n"));
  }
  out.push_back(start);
  append(enc.encode_ordinary("assistant\n"));
  return out;
}

// The unsafe rendering, for contrast: chatml_text() encoded with every special token allowed, so
// a user's "<|im_end|>" closes their turn and whatever follows can open a new one.
inline std::vector<Rank> chatml_encode_unsafe(const std::vector<ChatMessage>& chat,
                                              const Encoding& enc) {
  (void)enc.special_id(kImStart);  // an encoding without ChatML's tokens is an error here too
  return enc.encode(chatml_text(chat), enc.special_names());
}

// The turns a model reads in `ids`: after each <|im_start|> id, the text up to the next special
// id, cut at its first line end. {"system", "user", "assistant"} for a two-message chat.
inline std::vector<std::string> chatml_roles(const std::vector<Rank>& ids, const Encoding& enc) {
  const Rank start = enc.special_id(kImStart);
  std::vector<std::string> roles;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] != start) continue;
    std::vector<Rank> role;  // (T) ordinary ids up to the next special
    for (std::size_t j = i + 1; j < ids.size() && ids[j] < enc.n_ranks(); ++j)
      role.push_back(ids[j]);
    const std::string text = enc.decode(role);
    roles.push_back(text.substr(0, text.find('\n')));
  }
  return roles;
}

}  // namespace aib::tokenizer
