"""Lambda functions, one package per bounded context; `common` is what they share."""
