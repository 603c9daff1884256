#!/usr/bin/env python3
"""Makes the Hugging Face tokenizer.json parity fixtures under Tests/Fixtures/hf-tokenizers/.

Offline and seeded (single-threaded training, fixed random seed; the corpus includes this
repository's sources, so a later run may train slightly different vocabularies, and the tests
hold for whatever the fixtures contain): trains small tokenizers (vocabularies of ~500-1500) with the `tokenizers`
package (`pip install tokenizers`) on a local corpus (this repository's README and sources plus
generated multilingual text), each wired like a real model family's tokenizer.json, and records
the library's output for a few thousand test strings.

Outputs:
  strings.json           the test strings, shared by every fixture
  NAME/tokenizer.json    one per family
  NAME/expected.jsonl    line i is for string i: [ids without special tokens, ids with special
                         tokens (null when equal to the first), decode of the ids with special
                         tokens keeping them, decode skipping them]; a decode is null when it
                         equals the input string exactly (keeps the files small).
  versions.json          the tokenizers version used
  split-regex.json       the library's Split pieces for regexes without a hand-written scanner,
                         and regex Replace normalizers' output, on the first 800 strings
  normalizers.json       normalizers alone on every string
                         (`--regex-only` remakes just these two files from strings.json)

Run: python3 scripts/make_tokenizer_fixtures.py
"""
import glob
import json
import os
import random

# One thread for the trainers. Training is still not bit-reproducible (the library's trainers
# iterate hash maps), which does not matter: expectations are recorded from the saved file.
os.environ.setdefault("RAYON_NUM_THREADS", "1")

import tokenizers
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from tokenizers import AddedToken

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "hf-tokenizers")

LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                  r"|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                 r"|\s*[\r\n]+|\s+(?!\S)|\s+")

rng = random.Random(17)

# ---------------------------------------------------------------- corpus and test strings

MULTILINGUAL = [
    "Le café est très bon, n'est-ce pas? Élodie a mangé une crème brûlée.",
    "Der Straßenverkehr in München ist über­füllt. Äpfel, Öl und Übung.",
    "El niño comió piña y jalapeños en la mañana.",
    "Η γρήγορη καφέ αλεπού πηδάει πάνω από τον τεμπέλη σκύλο. ΟΔΟΣ",
    "Быстрая коричневая лиса прыгает через ленивую собаку.",
    "你好，世界！今天天气很好。我们去公园散步吧。",
    "日本語のテキストです。東京は大きな都市です。カタカナとひらがな。",
    "한국어 문장입니다. 안녕하세요!",
    "مرحبا بالعالم. هذه جملة باللغة العربية.",
    "שלום עולם, זה משפט בעברית.",
    "नमस्ते दुनिया, यह हिंदी में एक वाक्य है।",
    "Emoji: 😀 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇺🇸 ❤️ ✨",
    "Numbers 1234567 and 3.14159, 1,000,000 and ١٢٣ and ①②③ and Ⅻ.",
    "I'm sure they'll say we've done what you'd expect; it's John's, isn't it? DON'T, I'M, WE'LL.",
]


def read_corpus():
    texts = []
    for pattern in ["README.md", "Sources/**/*.swift", "scripts/*.py", "tasks/README.md"]:
        for path in sorted(glob.glob(os.path.join(ROOT, pattern), recursive=True)):
            with open(path, encoding="utf-8") as f:
                texts.append(f.read())
    corpus = "\n".join(texts).splitlines()
    corpus += MULTILINGUAL * 40
    rng.shuffle(corpus)
    return corpus


WHITESPACE = [" ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", "\r", "\u00a0", "\u3000", "\u2009", "\u200b",
              "\x0b", "\x0c", "\x85", "\u2028", "\u2029", "\u1680", "\u202f", "\x1c", "\x1f", " \n ", "\t\t",
              "\r\n\r\n", " \r\n", "\n ", "    "]
CONTRACTIONS = ["I'm", "I'M", "you're", "YOU'RE", "You'Re", "he's", "HE'S", "we've", "WE'VE", "they'll",
                "THEY'LL", "she'd", "SHE'D", "don't", "DON'T", "it’s", "'s", "'S", "''s", "o'clock", "rock'n'roll",
                "it'ſ", "'ſſ", "'Ll", "'lL", "'rE", "'Ve"]
ACCENTS = ["café", "cafe\u0301", "Å", "\u212b", "A\u030a", "ﬁ", "ﬂour", "①", "Ｈｅｌｌｏ", "ǅ", "İstanbul",
           "straße", "STRASSE", "ΟΔΟΣ", "ὈΔΥΣΣΕΎΣ", "n\u0303", "e\u0301\u0301", "\u0301", "Ⅻ", "½", "x²",
           "ﾊﾝｶｸ", "㍿", "…", "\u00ad"]
CJK = ["你好", "世界", "日本語", "東京", "ひらがな", "カタカナ", "한국어", "中文，标点。", "「引用」", "漢字"]
ARABIC = ["مرحبا", "العربية", "١٢٣٤", "שלום", "עברית", "\u200f", "\u200e"]
EMOJI = ["😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇺🇸", "❤️", "✨", "🧑🏿‍💻", "\ufe0f", "\u200d", "👩‍❤️‍💋‍👨"]
CODE = ["def f(x):\n    return x + 1\n", "for (int i = 0; i < n; ++i) { a[i] = i; }",
        "let x = [1, 2, 3].map { $0 * 2 }", "if x == 0 {\n\treturn\n}", "#include <stdio.h>",
        "x += 1; y -= 2 ** 3 // 4", "print(\"hello\\n\")", "<div class=\"a\">text</div>", "SELECT * FROM t;",
        "    indented\n        more", "a_b_c = __init__", "0x1F 0b1010 1e-5 -3.5"]
DIGITS = ["0", "7", "42", "123", "1234", "12345", "1234567890", "3.14159", "1,000,000", "2026-12-02",
          "99.9%", "$100", "١٢٣", "①②", "Ⅻ", "٣٫١٤", "0000", "10:30"]
PUNCT = ["!", "?", ".", ",", "...", "—", "–", "«»", "“quoted”", "(", ")", "[]", "{}", "@#$%^&*", "~`|\\",
         "\"", "'", "''", "_", "-", "¿¡", "·", "•"]
MISC = ["\ufffd", "\ufffd\ufffd", "\x00", "\x01", "\x7f", "\U0001F600", "\U00010348", "\U000E0001",
        "\uFEFF", "\u2060", "a\u0300", "<", ">", "|", "<|", "|>", "<0x41>", "<0x0A>", "<0xZZ>", "▁", "▁▁hi",
        "Ġ", "##ing", "[UNK]", "<unk>"]


def random_scalar():
    ranges = [(0x20, 0x7e), (0xa0, 0x24f), (0x370, 0x3ff), (0x400, 0x4ff), (0x590, 0x6ff), (0x900, 0x97f),
              (0x1100, 0x11ff), (0x2000, 0x206f), (0x2100, 0x22ff), (0x3000, 0x30ff), (0x4e00, 0x4fff),
              (0xac00, 0xad00), (0xfb00, 0xfb4f), (0xfe00, 0xfe0f), (0xff00, 0xffef), (0x1f300, 0x1f64f),
              (0x1f900, 0x1f9ff), (0x0, 0x1f), (0x10000, 0x1007f), (0xe0000, 0xe007f)]
    lo, hi = rng.choice(ranges)
    while True:
        c = rng.randint(lo, hi)
        if not (0xd800 <= c <= 0xdfff):
            return chr(c)


def make_strings(corpus, specials):
    groups = [WHITESPACE, CONTRACTIONS, ACCENTS, CJK, ARABIC, EMOJI, CODE, DIGITS, PUNCT, MISC, specials]
    strings = ["", " ", "  ", "\n", "\t", "\r\n", "\ufffd", "a", "A", "1", "'", "é", "e\u0301", "你", "😀"]
    strings += specials
    strings += [s + s for s in specials] + [" " + s + " " for s in specials]
    strings += ["Hello" + s + "world" for s in specials] + ["Hello " + s + " world" for s in specials]
    strings += [s[:-1] for s in specials if len(s) > 1] + [s[1:] for s in specials if len(s) > 1]
    for group in groups:
        strings += group
    strings += [random_scalar() for _ in range(150)]
    lines = [line for line in corpus if line.strip()]
    strings += rng.sample(lines, 700)
    # mixtures: fragments of every kind glued with random whitespace
    fragments = sum(groups, []) + [w for line in rng.sample(lines, 200) for w in line.split()[:3]]
    for _ in range(1300):
        n = rng.randint(1, 8)
        parts = []
        for _ in range(n):
            parts.append(rng.choice(fragments))
            r = rng.random()
            if r < 0.5:
                parts.append(" ")
            elif r < 0.7:
                parts.append(rng.choice(WHITESPACE))
        s = "".join(parts)
        if rng.random() < 0.2:
            s = s.upper()
        elif rng.random() < 0.1:
            s = s.swapcase()
        strings.append(s)
    for _ in range(150):
        strings.append("".join(random_scalar() for _ in range(rng.randint(1, 12))))
    # a few long ones
    for _ in range(10):
        strings.append(" ".join(rng.sample(lines, 8)))
    strings.append("a" * 300 + " " + "1" * 50 + " " * 40 + "!" * 30)
    return strings


# ---------------------------------------------------------------- families


def train_bpe(tokenizer, corpus, vocab_size, special, **kw):
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=special, show_progress=False, **kw)
    tokenizer.train_from_iterator(corpus, trainer)
    return tokenizer


def byte_level(name, corpus, pre, normalizer, special, vocab_size, post=None, ignore_merges=False, extra=()):
    tok = Tokenizer(models.BPE(ignore_merges=ignore_merges))
    if normalizer:
        tok.normalizer = normalizer
    tok.pre_tokenizer = pre
    tok.decoder = decoders.ByteLevel()
    train_bpe(tok, corpus, vocab_size, special, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    if extra:
        tok.add_tokens(list(extra))
    tok.post_processor = post or processors.ByteLevel(trim_offsets=False)
    return tok


def gpt2(corpus):
    return byte_level("gpt2", corpus, pre_tokenizers.ByteLevel(add_prefix_space=False), None,
                      ["<|endoftext|>"], 1000)


def llama3(corpus):
    pre = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)])
    post = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|> $B:1",
                                      special_tokens=[("<|begin_of_text|>", 0)])])
    special = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>", "<|eot_id|>"]
    return byte_level("llama3", corpus, pre, None, special, 1200, post=post, ignore_merges=True)


def qwen2(corpus):
    pre = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)])
    return byte_level("qwen2", corpus, pre, normalizers.NFC(), ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], 1200)


def pythia(corpus):
    # GPT-NeoX: NFC, byte-level with the GPT-2 regex, and runs of spaces as non-special added tokens.
    spaces = [AddedToken(" " * n, normalized=True, special=False) for n in (24, 8, 4, 2)]
    return byte_level("pythia", corpus, pre_tokenizers.ByteLevel(add_prefix_space=False), normalizers.NFC(),
                      ["<|endoftext|>", "<|padding|>"], 1000, extra=spaces)


def sentencepiece_vocab(corpus, vocab_size, front, limit_alphabet):
    """Trains a Metaspace BPE and returns (vocab, merges) with `front` special tokens and the 256
    <0xNN> byte tokens first, as in Llama-2 / Mistral / Gemma tokenizer.json files."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    train_bpe(tok, corpus, vocab_size, [], limit_alphabet=limit_alphabet)
    model = json.loads(tok.to_str())["model"]
    vocab = {}
    for t in front + ["<0x%02X>" % b for b in range(256)]:
        vocab[t] = len(vocab)
    for t, _ in sorted(model["vocab"].items(), key=lambda kv: kv[1]):
        if t not in vocab:
            vocab[t] = len(vocab)
    return vocab, model["merges"]


def sentencepiece(vocab, merges, unk, normalizer, pre, decoder, post, added):
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[tuple(m) if isinstance(m, list) else tuple(m.split(" "))
                                                    for m in merges],
                               unk_token=unk, byte_fallback=True, fuse_unk=True))
    if normalizer:
        tok.normalizer = normalizer
    if pre:
        tok.pre_tokenizer = pre
    tok.decoder = decoder
    tok.add_special_tokens([AddedToken(t, normalized=False, special=True) for t in added])
    tok.post_processor = post
    return tok


def llama2(corpus):
    vocab, merges = sentencepiece_vocab(corpus, 1000, ["<unk>", "<s>", "</s>"], 300)
    return sentencepiece(
        vocab, merges, "<unk>",
        normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")]), None,
        decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                           decoders.Strip(" ", 1, 0)]),
        processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", 1)]),
        ["<unk>", "<s>", "</s>"])


def mistral(corpus):
    # The non-legacy conversion: a Metaspace pre-tokenizer that prepends only to the first piece.
    vocab, merges = sentencepiece_vocab(corpus, 1100, ["<unk>", "<s>", "</s>"], 250)
    return sentencepiece(
        vocab, merges, "<unk>", None,
        pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False),
        decoders.Metaspace(replacement="▁", prepend_scheme="first", split=False),
        processors.TemplateProcessing(single="<s> $A </s>", pair="<s> $A $B", special_tokens=[("<s>", 1), ("</s>", 2)]),
        ["<unk>", "<s>", "</s>", "[INST]", "[/INST]"])


def gemma(corpus):
    vocab, merges = sentencepiece_vocab(corpus, 1300, ["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>",
                                                       "<end_of_turn>"], 350)
    tok = sentencepiece(
        vocab, merges, "<unk>", normalizers.Replace(" ", "▁"), None,
        decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()]),
        processors.TemplateProcessing(single="<bos> $A", pair="<bos> $A <bos> $B", special_tokens=[("<bos>", 2)]),
        ["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>"])
    # Gemma keeps a few whitespace runs as (non-special) added tokens that are normalized.
    tok.add_tokens([AddedToken("\n\n", normalized=False, special=False),
                    AddedToken("<mask>", lstrip=True, rstrip=True, normalized=False, special=False)])
    return tok


def wordlevel(corpus):
    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.Lowercase(), normalizers.StripAccents(),
                                           normalizers.Strip()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation(),
                                                 pre_tokenizers.Digits(individual_digits=True)])
    trainer = trainers.WordLevelTrainer(vocab_size=1200, special_tokens=["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"],
                                        show_progress=False)
    tok.train_from_iterator(corpus, trainer)
    tok.add_special_tokens([AddedToken("[MASK]", single_word=True, lstrip=True)])
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                       special_tokens=[("[CLS]", 1), ("[SEP]", 2)])
    return tok


def whitespace_wordlevel(corpus):
    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.WordLevelTrainer(vocab_size=800, special_tokens=["<unk>"], show_progress=False)
    tok.train_from_iterator(corpus, trainer)
    return tok


def unigram(corpus):
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    trainer = trainers.UnigramTrainer(vocab_size=800, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>",
                                      show_progress=False, max_piece_length=8)
    tok.train_from_iterator(corpus, trainer)
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", pair="$A </s> $B </s>",
                                                       special_tokens=[("</s>", 1)])
    return tok


def bert_wordlevel(corpus):
    # BERT-style pipeline pieces (BertPreTokenizer, BertProcessing, WordPiece decoder) on a WordLevel model.
    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.normalizer = normalizers.Sequence([normalizers.NFKD(), normalizers.Lowercase(), normalizers.StripAccents()])
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordLevelTrainer(vocab_size=900, special_tokens=["[PAD]", "[CLS]", "[SEP]", "[UNK]", "[MASK]"],
                                        show_progress=False)
    tok.train_from_iterator(corpus, trainer)
    tok.post_processor = processors.BertProcessing(("[SEP]", 2), ("[CLS]", 1))
    tok.decoder = decoders.WordPiece(prefix="##", cleanup=True)
    return tok


def suffix_bpe(corpus):
    # Original-GPT-style BPE: end-of-word suffix, unknown characters, BPEDecoder; a literal Split.
    tok = Tokenizer(models.BPE(unk_token="<unk>", end_of_word_suffix="</w>"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(),
                                                 pre_tokenizers.Split("-", behavior="merged_with_previous")])
    train_bpe(tok, corpus, 900, ["<unk>"], end_of_word_suffix="</w>", limit_alphabet=120)
    tok.decoder = decoders.BPEDecoder(suffix="</w>")
    return tok


def prefix_bpe(corpus):
    # Subword-prefix BPE (continuing_subword_prefix "##"), contiguous digits, inverted literal split.
    tok = Tokenizer(models.BPE(unk_token="[UNK]", continuing_subword_prefix="##", fuse_unk=False))
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(" ", behavior="removed", invert=False),
                                                 pre_tokenizers.Digits(individual_digits=False),
                                                 pre_tokenizers.Punctuation(behavior="contiguous")])
    train_bpe(tok, corpus, 900, ["[UNK]", "[CLS]", "[SEP]"], continuing_subword_prefix="##", limit_alphabet=150)
    tok.decoder = decoders.WordPiece(prefix="##", cleanup=False)
    tok.post_processor = processors.RobertaProcessing(("[SEP]", 2), ("[CLS]", 1))
    return tok


def unigram_byte_fallback(corpus):
    # Unigram with <0xNN> byte pieces and byte_fallback, decoded like Llama-2.
    base = json.loads(unigram(corpus).to_str())["model"]
    vocab = [tuple(p) for p in base["vocab"]]
    lowest = min(score for _, score in vocab)
    vocab += [("<0x%02X>" % b, lowest - 1.0) for b in range(256)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=base["unk_id"], byte_fallback=True))
    tok.normalizer = normalizers.Sequence([normalizers.Replace(" ", "▁"), normalizers.Prepend("▁")])
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(" ", 1, 0)])
    tok.add_special_tokens(["<pad>", "</s>", "<unk>"])
    return tok


FAMILIES = {
    "gpt2": gpt2, "llama3": llama3, "qwen2": qwen2, "pythia": pythia, "llama2": llama2, "mistral": mistral,
    "gemma": gemma, "wordlevel": wordlevel, "whitespace-wordlevel": whitespace_wordlevel, "unigram": unigram,
    "bert-wordlevel": bert_wordlevel, "suffix-bpe": suffix_bpe, "prefix-bpe": prefix_bpe,
    "unigram-bytefallback": unigram_byte_fallback,
}


# Split regexes with no hand-written scanner, run by the general matcher: BLOOM's, GPT-4o's
# o200k, a DeepSeek-style one, and small patterns for each construct.
REGEX_PATTERNS = [
    r" ?[^(\s|[.,!?…。，、।۔،])]+",
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
    r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
    r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    r"[!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    r"\d+", r"\s+", r"[A-Z][a-z]*", r"(?i)[aeiouy]+", r".", r"a+?b", r"(?:ab)+", r"\w+(?=\s)", r"^\s+|\s+$",
    r"\p{N}{2,}+|\p{P}{,2}", r"[^\p{L}\p{N}\s]", r"(?i:straße|é)", r"\S+?(?=[.,])",
]


# Replace normalizers with a regex: (pattern, content); outputs null when unchanged.
REPLACE_PATTERNS = [(r" {2,}", " "), (r"\s+", "▁"), (r"(?i)[aeiou]", ""), (r"\p{N}+", "#"), (r"x*", "-")]


# Normalizers checked alone on every fixture string (normalizers.json; outputs null when unchanged).
NORMALIZERS = [
    normalizers.NFC(), normalizers.NFD(), normalizers.NFKC(), normalizers.NFKD(), normalizers.Lowercase(),
    normalizers.StripAccents(),
    normalizers.BertNormalizer(),
    normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=False),
    normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=True, strip_accents=True, lowercase=False),
    normalizers.Sequence([normalizers.NFKD(), normalizers.StripAccents(), normalizers.Lowercase()]),
]


def regex_cases():
    """The library's pieces for each REGEX_PATTERNS entry (Split, isolated) on the first 800
    fixture strings: per pattern, per string, the end offsets (in scalars) of the pieces."""
    with open(os.path.join(OUT, "strings.json"), encoding="utf-8") as f:
        strings = json.load(f)[:800]
    ends = []
    for pattern in REGEX_PATTERNS:
        split = pre_tokenizers.Split(Regex(pattern), behavior="isolated")
        ends.append([[end for _, (_, end) in split.pre_tokenize_str(s)] for s in strings])
    replaced = []
    for pattern, content in REPLACE_PATTERNS:
        normalizer = normalizers.Replace(Regex(pattern), content)
        outputs = [normalizer.normalize_str(s) for s in strings]
        replaced.append({"pattern": pattern, "content": content,
                         "outputs": [None if o == s else o for o, s in zip(outputs, strings)]})
    with open(os.path.join(OUT, "strings.json"), encoding="utf-8") as f:
        all_strings = json.load(f)
    normalized = []
    for normalizer in NORMALIZERS:
        outputs = [normalizer.normalize_str(s) for s in all_strings]
        normalized.append({"normalizer": json.loads(normalizer.__getstate__()),
                           "outputs": [None if o == s else o for o, s in zip(outputs, all_strings)]})
    with open(os.path.join(OUT, "normalizers.json"), "w", encoding="utf-8") as f:
        json.dump(normalized, f, separators=(",", ":"))
    with open(os.path.join(OUT, "split-regex.json"), "w", encoding="utf-8") as f:
        json.dump({"patterns": REGEX_PATTERNS, "strings": len(strings), "ends": ends, "replace": replaced}, f,
                  separators=(",", ":"))


def main():
    if "--regex-only" in os.sys.argv:
        regex_cases()
        return
    corpus = read_corpus()
    built = {name: make(corpus) for name, make in FAMILIES.items()}
    specials = sorted({t.content for tok in built.values() for t in tok.get_added_tokens_decoder().values()})
    strings = make_strings(corpus, specials)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "strings.json"), "w", encoding="utf-8") as f:
        json.dump(strings, f, ensure_ascii=True, indent=0)
    with open(os.path.join(OUT, "versions.json"), "w") as f:
        json.dump({"tokenizers": tokenizers.__version__, "strings": len(strings)}, f)
    for name, tok in built.items():
        directory = os.path.join(OUT, name)
        os.makedirs(directory, exist_ok=True)
        tok.save(os.path.join(directory, "tokenizer.json"), pretty=False)
        # Reload so the expectations come from exactly the saved file.
        tok = Tokenizer.from_file(os.path.join(directory, "tokenizer.json"))
        with open(os.path.join(directory, "expected.jsonl"), "w", encoding="utf-8") as f:
            for s in strings:
                plain = tok.encode(s, add_special_tokens=False).ids
                special = tok.encode(s, add_special_tokens=True).ids
                keep = tok.decode(special, skip_special_tokens=False)
                skip = tok.decode(special, skip_special_tokens=True)
                row = [plain, None if special == plain else special, None if keep == s else keep,
                       None if skip == s else skip]
                f.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
        print(name, len(tok.get_vocab()), "tokens,", len(strings), "strings")
    regex_cases()


if __name__ == "__main__":
    main()
