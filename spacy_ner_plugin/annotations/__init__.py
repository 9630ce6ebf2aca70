"""The annotation model: records in any format → answers → one merged gold Doc per text,
with the on-disk answer store, the train/dev split and corpus statistics."""
