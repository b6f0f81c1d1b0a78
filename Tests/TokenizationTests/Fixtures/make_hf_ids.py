#!/usr/bin/env python3
"""Write the checked-in Hugging Face reference ids that HFReferenceIdsTests compares against without Python.
  make_hf_ids.py TOKENIZER OUT_JSONL [COUNT]
TOKENIZER is loaded as hf_reference.py loads it. Each output line is {"text": ..., "ids": [...]}; the texts are a
seeded mix of adversarial pieces (contractions, digits, whitespace runs, CR/LF, combining marks, CJK, emoji, special
token strings) and ordinary sentences in several scripts, the same for every tokenizer.
"""
import json, os, random, sys
from tokenizers import Tokenizer, decoders, models, pre_tokenizers

PIECES = ["a", "Z", "hello", "World", " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", "\r", " \n", "\x0b", "\x0c",
          "'s", "'S", "'t", "'re", "'RE", "'ve", "'m", "'ll", "'d", "'", "'x", "ſ", "0", "7", "42", "1234567",
          "\u0663", "\u00b2", "\u216b", "\u00bd", "\uff11\uff12", ".", ",", "!?", "...", "--", "(", ")", "[x]", "_", "@",
          "\u00e9", "e\u0301", "\u0416", "\u0416\u0443\u043a", "\u4e2d\u6587", "\u65e5\u672c\u8a9e", "\ud55c\uad6d\uc5b4",
          "\ufb01", "\u00c5", "\u2460", "\u01c5", "\u02b0", "\u0640", "\u0300", "\u00a0", "\u2003", "\u2028", "\u3000",
          "\u200b", "\ufeff", "\U0001F600", "\U0001F44D\U0001F3FD", "\U0001F1EB\U0001F1F7", "\U00010348", "\x7f", "\x01",
          "<", ">", "|", "<|endoftext|>", "<|im_start|>", "<|im_end|>", "\u0120", "\u010a"]
SENTENCES = [
    "The patient was given 250 mg of metformin twice daily.",
    "It's NOT a cure, we'll see.\r\n\r\n  x",
    "Section 4(b)(ii) of the Act applies; see ref. [12].",
    "患者每日服用二甲双胍250毫克，血糖控制良好。",
    "本契約は、日本法に準拠し、東京地方裁判所を専属的合意管轄とする。",
    "Der Antrag wurde am 3. März 2024 abgelehnt.",
    "La tension artérielle était de 140/90 mmHg à l'admission.",
    "Процентная ставка составила 7,5% годовых.",
    "التهاب الكبد الوبائي مرض فيروسي.",
    "수술 후 합병증은 관찰되지 않았다.",
    "    def f(x):\n        return x ** 2  # square\n",
    "E = mc² ≈ 9×10¹⁶ J/kg; ∑ᵢ xᵢ² ≤ 1",
]


def texts(count):
    r = random.Random(20261202)
    out = list(SENTENCES)
    while len(out) < count:
        if r.random() < 0.25:
            out.append(r.choice(SENTENCES) + r.choice(PIECES) + r.choice(SENTENCES))
        else:
            out.append("".join(r.choice(PIECES) for _ in range(r.randint(1, 40))))
    return out


def load(path):
    """A tokenizer.json, or a folder with one, or a folder with vocab.json + merges.txt (GPT-2 style)."""
    if os.path.isdir(path) and os.path.exists(os.path.join(path, "tokenizer.json")):
        return Tokenizer.from_file(os.path.join(path, "tokenizer.json"))
    if os.path.isdir(path):
        tok = Tokenizer(models.BPE.from_file(os.path.join(path, "vocab.json"), os.path.join(path, "merges.txt")))
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        if tok.token_to_id("<|endoftext|>") is not None:
            tok.add_special_tokens(["<|endoftext|>"])
        return tok
    return Tokenizer.from_file(path)


def main():
    tok_path, out_path = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    tok = load(tok_path)
    with open(out_path, "w", encoding="utf-8") as f:
        for t in texts(count):
            f.write(json.dumps({"text": t, "ids": tok.encode(t).ids}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
