/// The JSON Schemas of `pipeline lab` and `pipeline sweep` configs; the same text as `schemas/lab.schema.json` and
/// `schemas/sweep.schema.json` (a test keeps them equal).
public enum ExperimentSchemas {
    /// `schemas/lab.schema.json`.
    public static let lab = #"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://domainforge.dev/schemas/lab.schema.json",
  "title": "pipeline lab LAB.yaml (forgetting lab)",
  "description": "Prepares a general and a domain corpus with the project's own pipeline into shard folders with held-out splits, pretrains a tiny base on general text, adapts it to the domain with each arm (full fine-tuning, LoRA, replay, EWC, ...), evaluates the base and every arm on both held-out sets and writes the report. Paths are relative to this file.",
  "type": "object",
  "required": ["output_dir", "tokenizer", "corpora", "model", "pretrain", "adapt", "arms"],
  "additionalProperties": false,
  "$defs": {
    "input": {
      "type": "object",
      "required": ["path", "format"],
      "description": "A pipeline inputs[] entry (see pipeline.schema.json), plus fallback.",
      "properties": {
        "path": {"type": "string", "minLength": 1},
        "format": {"enum": ["text", "jsonl", "json", "html", "xml"]},
        "fallback": {"type": "array", "items": {"$ref": "#/$defs/input"}, "description": "Inputs used instead when path does not exist (e.g. the bundled corpora/)."}
      }
    },
    "corpus": {
      "type": "object",
      "required": ["inputs"],
      "additionalProperties": false,
      "properties": {
        "inputs": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/input"}},
        "heldout_fraction": {"type": "number", "exclusiveMinimum": 0, "maximum": 0.5, "description": "Overrides the top-level heldout_fraction."}
      }
    },
    "train": {"type": "object", "description": "TRAIN.yaml keys (steps, batch_size, grad_accum, seq_len, optimizer, schedule, eval_every, ...), merged into the generated TRAIN.yaml."}
  },
  "properties": {
    "version": {"type": "integer", "const": 1},
    "name": {"type": "string", "description": "Title of the report."},
    "output_dir": {"type": "string", "minLength": 1, "description": "data/ (pipeline outputs and splits), runs/ (base and arms) and report.html, report.txt."},
    "tokenizer": {"type": "string", "minLength": 1, "description": "tokenizer.json used by the tokenize stage; the model's vocab_size is taken from it."},
    "heldout_fraction": {"type": "number", "exclusiveMinimum": 0, "maximum": 0.5, "default": 0.05, "description": "Share of each corpus's documents (by hash of the id) kept for evaluation; at least one."},
    "seed": {"type": "integer", "minimum": 0, "default": 1},
    "threads": {"type": "integer", "minimum": 1, "default": 1, "description": "Pipeline workers and OpenBLAS threads."},
    "stages": {"type": "array", "items": {"type": "object", "required": ["type"]}, "description": "Pipeline stages run before tokenize and shard (which the lab adds)."},
    "corpora": {
      "type": "object",
      "required": ["general", "domain"],
      "additionalProperties": false,
      "properties": {"general": {"$ref": "#/$defs/corpus"}, "domain": {"$ref": "#/$defs/corpus"}}
    },
    "model": {"type": "object", "description": "TRAIN.yaml model keys without vocab_size (hidden_size, intermediate_size, num_layers, num_heads, num_kv_heads, tie_embeddings, max_positions)."},
    "pretrain": {"$ref": "#/$defs/train"},
    "adapt": {"$ref": "#/$defs/train"},
    "eval": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "seq_len": {"type": "integer", "minimum": 2},
        "batch_size": {"type": "integer", "minimum": 1},
        "max_batches": {"type": "integer", "minimum": 1},
        "max_items": {"type": "integer", "minimum": 1},
        "extra": {"type": "object", "additionalProperties": {"type": "string"}, "description": "More label: path datasets (e.g. an MMLU CSV folder) evaluated with the lab tokenizer; skipped when the path is absent."}
      }
    },
    "arms": {
      "type": "array",
      "minItems": 1,
      "items": {
        "type": "object",
        "required": ["name"],
        "additionalProperties": false,
        "properties": {
          "name": {"type": "string", "minLength": 1},
          "replay": {"type": "number", "minimum": 0, "maximum": 0.95, "description": "Share of draws from the general training shards (0: none)."},
          "train": {"$ref": "#/$defs/train", "description": "Extra TRAIN.yaml keys, e.g. lora: {...} or ewc: {...}. Strings {general_train}, {general_heldout}, {domain_train}, {domain_heldout} and {base} become those folders."}
        }
      }
    }
  }
}
"""#

    /// `schemas/sweep.schema.json`.
    public static let sweep = #"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://domainforge.dev/schemas/sweep.schema.json",
  "title": "pipeline sweep SWEEP.yaml",
  "description": "Varies one TRAIN.yaml parameter over values; each value is trained (Trainer library) and evaluated into output_dir/<parameter>=<value>/, then a report (table, HTML with loss curves, domain-vs-general scatter and a parameter trade-off plot) is written. Paths are relative to this file.",
  "type": "object",
  "required": ["train", "parameter", "values", "eval", "output_dir"],
  "additionalProperties": false,
  "properties": {
    "version": {"type": "integer", "const": 1, "description": "Format version."},
    "name": {"type": "string", "description": "Title of the report."},
    "train": {"type": "string", "minLength": 1, "description": "The base TRAIN.yaml; its paths stay relative to its own folder."},
    "parameter": {"type": "string", "minLength": 1, "description": "replay (the share of draws from replay_source), or a dotted TRAIN.yaml key: lora.rank, ewc.lambda, optimizer.lr, steps, data.1.weight, ..."},
    "replay_source": {"type": "string", "minLength": 1, "description": "With parameter replay: the data path of the TRAIN.yaml (or its ending) whose share of draws is varied; 0 removes it."},
    "values": {"type": "array", "minItems": 1, "items": {"type": ["number", "string", "boolean"]}, "description": "The values to try, in order."},
    "overrides": {"type": "object", "description": "TRAIN.yaml keys merged into every run (mappings merged key by key)."},
    "base": {"type": "string", "description": "The base model: a checkpoint folder or a run directory; evaluated on the same data into output_dir/base/eval.json. Default: the TRAIN.yaml's init_from, else no gains are computed."},
    "eval": {
      "type": "object",
      "required": ["data"],
      "additionalProperties": false,
      "description": "How each run and the base are evaluated (pipeline eval).",
      "properties": {
        "data": {"type": "object", "minProperties": 1, "additionalProperties": {"type": "string"}, "description": "label: path. The report compares the labels domain and general."},
        "seq_len": {"type": "integer", "minimum": 2, "description": "Targets per window."},
        "batch_size": {"type": "integer", "minimum": 1, "default": 8},
        "max_batches": {"type": "integer", "minimum": 1, "description": "Batches per shard folder."},
        "max_items": {"type": "integer", "minimum": 1, "description": "Questions / SFT records per dataset."},
        "tokenizer": {"type": "string", "description": "tokenizer.json for CSV and SFT data."}
      }
    },
    "threads": {"type": "integer", "minimum": 1, "description": "OpenBLAS threads for training and eval (overrides the TRAIN.yaml)."},
    "output_dir": {"type": "string", "minLength": 1, "description": "Where run directories and report.html / report.txt go."}
  }
}
"""#
}
