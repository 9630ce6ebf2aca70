"""Pattern files: load and validate Prodigy/EntityRuler patterns, match them at tokenizer speed."""
