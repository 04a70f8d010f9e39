"""IAM policy generation and SCP evaluation."""
