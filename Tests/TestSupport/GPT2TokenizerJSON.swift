import Foundation

/// GPT-2's vocabulary (`encoder.json` + `vocab.bpe` in `vocabularyDirectory`) written as the
/// `tokenizer.json` that `transformers` ships for `gpt2`: byte-level BPE, `<|endoftext|>` as
/// a special added token, ByteLevel pre-tokenizer, post-processor and decoder.
public func gpt2TokenizerJSON(vocabularyDirectory: String = repoRoot + "/tasks/gpt2-tokenizer") throws -> String {
    let directory = URL(fileURLWithPath: vocabularyDirectory)
    let vocabulary = try String(contentsOf: directory.appendingPathComponent("encoder.json"), encoding: .utf8)
    let mergeLines = try String(contentsOf: directory.appendingPathComponent("vocab.bpe"), encoding: .utf8)
        .split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        .filter { !$0.hasPrefix("#version") }
    let merges = String(decoding: try JSONEncoder().encode(mergeLines), as: UTF8.self)
    return """
    {"version":"1.0","truncation":null,"padding":null,
     "added_tokens":[{"id":50256,"content":"<|endoftext|>","single_word":false,"lstrip":false,"rstrip":false,"normalized":true,"special":true}],
     "normalizer":null,
     "pre_tokenizer":{"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true},
     "post_processor":{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":false,"use_regex":true},
     "decoder":{"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true,"use_regex":true},
     "model":{"type":"BPE","dropout":null,"unk_token":null,"continuing_subword_prefix":"","end_of_word_suffix":"",
              "fuse_unk":false,"byte_fallback":false,"vocab":\(vocabulary),"merges":\(merges)}}
    """
}
