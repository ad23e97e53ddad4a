"""Stage 4 of the pipeline: batches -> Groth16 proofs -> epoch bundle (resumable)."""
