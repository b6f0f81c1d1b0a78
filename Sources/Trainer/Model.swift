import DomainForgeCore
import COpenBLAS
// Stub: Llama-style decoder, forward/backward, AdamW, training loop, checkpoints.
