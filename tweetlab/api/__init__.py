"The library under the lessons: one module per job (input checks, the cache, batched inference, training plumbing)."
