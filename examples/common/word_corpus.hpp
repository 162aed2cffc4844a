// word_corpus.hpp — episode 16's corpus: sentences generated from templates, so that which
// words share contexts is known in advance.
//
// Four kinds of sentence: animals ("the small cat eats fish"), colours ("i see a red ball"),
// numbers ("i have three coins") and people, whose sentences each speak of one of three traits
// (gender: he/she; rank: crown/coat; age: school/work), so that king − man + woman can land on
// queen. make_corpus() draws the sentences and lists every (centre, context) pair within a window.
// Leaves out: subsampling of frequent words, sentences across kinds, punctuation.
#pragma once

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "aib/core/random.hpp"
#include "aib/core/types.hpp"

namespace aib::toy {

using Words = std::vector<std::string>;

inline const std::map<std::string, Words> slots = {
    {"animal", {"cat", "dog", "horse", "cow"}},
    {"food", {"fish", "grass"}},
    {"size", {"small", "big"}},
    {"colour", {"red", "blue", "green", "yellow", "white"}},
    {"thing", {"car", "ball", "hat"}},
    {"number", {"two", "three", "four", "five", "six"}},
    {"objects", {"apples", "books", "coins"}},
};
inline const std::map<std::string, Words> templates = {
    {"animal", {"the {size} {animal} eats {food}", "a {size} {animal} drinks water"}},
    {"colour", {"the {thing} is {colour}", "i see a {colour} {thing}"}},
    {"number", {"i have {number} {objects}", "i see {number} {objects}"}},
    // A person's sentence speaks of one of three traits, each through one word: he or she,
    // crown or coat, school or work.
    {"male", {"he is the {person}"}},
    {"female", {"she is the {person}"}},
    {"royal", {"the {person} wears a crown"}},
    {"common", {"the {person} wears a coat"}},
    {"adult", {"the {person} goes to work"}},
    {"child", {"the {person} goes to school"}},
};
struct Person {
  const char* word;
  const char* gender;
  const char* rank;
  const char* age;
};
inline const std::vector<Person> people = {
    {"king", "male", "royal", "adult"},   {"queen", "female", "royal", "adult"},
    {"man", "male", "common", "adult"},   {"woman", "female", "common", "adult"},
    {"prince", "male", "royal", "child"}, {"princess", "female", "royal", "child"},
    {"boy", "male", "common", "child"},   {"girl", "female", "common", "child"},
};

template <class T>
const T& pick(const std::vector<T>& items, aib::Rng& rng) {
  return items[static_cast<std::size_t>(rng.uniform_index(static_cast<Index>(items.size())))];
}

// One sentence: a kind (animals, colours, numbers or people), a template, its slots filled.
inline Words sentence(aib::Rng& rng) {
  const Index kind = rng.uniform_index(5);  // people twice as often: their contexts are split
  std::string pattern, person;
  if (kind < 3) {
    pattern = pick(templates.at(kind == 0 ? "animal" : kind == 1 ? "colour" : "number"), rng);
  } else {
    const Person& p = pick(people, rng);
    const Index trait = rng.uniform_index(3);
    pattern = pick(templates.at(trait == 0 ? p.gender : trait == 1 ? p.rank : p.age), rng);
    person = p.word;
  }
  Words words;
  std::istringstream in(pattern);
  for (std::string w; in >> w;) {
    if (w.front() == '{') {
      const std::string slot = w.substr(1, w.size() - 2);
      w = slot == "person" ? person : pick(slots.at(slot), rng);
    }
    words.push_back(w);
  }
  return words;
}

// The corpus as ids: every word the templates can produce, the sentences, the pairs.
struct Corpus {
  Words vocab;                                 // (V) sorted
  std::vector<Words> text;                     // the sentences
  std::vector<double> count;                   // (V) occurrences of each word
  std::vector<std::pair<Index, Index>> pairs;  // (centre, context) at most `window` apart
  Index tokens = 0;
  Index id(const std::string& w) const {
    return static_cast<Index>(std::lower_bound(vocab.begin(), vocab.end(), w) - vocab.begin());
  }
};
inline Corpus make_corpus(int sentences, int window, aib::Rng& rng) {
  Corpus c;
  for (const auto& [slot, words] : slots) c.vocab.insert(c.vocab.end(), words.begin(), words.end());
  for (const Person& p : people) c.vocab.push_back(p.word);
  for (const auto& [kind, patterns] : templates)
    for (const std::string& pattern : patterns) {
      std::istringstream in(pattern);
      for (std::string w; in >> w;)
        if (w.front() != '{') c.vocab.push_back(w);
    }
  std::sort(c.vocab.begin(), c.vocab.end());
  c.vocab.erase(std::unique(c.vocab.begin(), c.vocab.end()), c.vocab.end());
  c.count.assign(c.vocab.size(), 0.0);
  for (int s = 0; s < sentences; ++s) {
    const Words words = sentence(rng);
    for (std::size_t i = 0; i < words.size(); ++i) {
      c.count[static_cast<std::size_t>(c.id(words[i]))] += 1;
      ++c.tokens;
      for (std::size_t j = i > std::size_t(window) ? i - window : 0;
           j < std::min(words.size(), i + window + 1); ++j)
        if (j != i) c.pairs.push_back({c.id(words[i]), c.id(words[j])});
    }
    c.text.push_back(words);
  }
  return c;
}

}  // namespace aib::toy
