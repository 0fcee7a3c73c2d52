"""AWS CDK app that deploys the platform (see infra/app.py)."""
