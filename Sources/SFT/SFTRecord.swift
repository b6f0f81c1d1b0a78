import DomainForgeCore
// Stub: SFT records (alpaca, dolly, sharegpt, openai messages), validation, chat templates, mixes.
