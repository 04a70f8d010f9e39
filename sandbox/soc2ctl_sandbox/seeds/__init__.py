"""One seed file per remediation module: `SCOPE` ("org", "account" or "region") and `seed(ctx)`.

A seed puts the sandbox account in the state its posture calls for: `compliant`, `drifted` or `fresh`
(leave the AWS default alone). Drifted accounts may be wrong in one region only, as real drift is.
"""
