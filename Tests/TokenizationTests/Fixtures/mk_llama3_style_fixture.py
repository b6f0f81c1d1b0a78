#!/usr/bin/env python3
"""Generates llama3-style-small.json (cl100k/Llama-3 Split regex + ByteLevel, ignore_merges, BOS template) with HF tokenizers 0.23.3
   from a synthetic corpus written here. Run in Tests/TokenizationTests/Fixtures."""
import random, json
from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers, Regex, processors
CL100K = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
random.seed(7)
words = "the patient was given 250 mg of metformin twice daily and the blood glucose level dropped to 110 mg/dL within three weeks; doctors don't expect complications. It's NOT a cure, we'll see. Ärzte prüfen die Dosis; le médecin évalue l'état du patient. 患者 血糖 治疗 hypertension cardiology 12345 3.14159 ==> (see ref. [12]) \"quoted\" CamelCaseWord snake_case_word".split()
lines=[]
for i in range(3000):
    n=random.randint(3,20)
    sep = random.choice([" ", " ", " ", "  ", "\t"])
    lines.append(sep.join(random.choice(words) for _ in range(n)) + random.choice(["\n", "\n\n", " \n", "\r\n"]))
open("corpus.txt","w").write("".join(lines))
tok = Tokenizer(models.BPE(ignore_merges=True))
tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(CL100K), behavior="isolated", invert=False),
    pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
tok.decoder = decoders.ByteLevel()
tr = trainers.BpeTrainer(vocab_size=700, min_frequency=2, show_progress=False,
    special_tokens=["<|begin_of_text|>", "<|end_of_text|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
tok.train(["corpus.txt"], tr)
tok.post_processor = processors.TemplateProcessing(single="<|begin_of_text|> $A", special_tokens=[("<|begin_of_text|>", 0)])
tok.save("llama3-style-small.json")
print(tok.encode("It's the patient's 12345 test").tokens)
