"""The benchmark suite (`stomi bench`): each figure as a ratio against a ceiling measured in the same run."""
