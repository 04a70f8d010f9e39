# soc2ctl as a container, for scheduled drift runs (ECS Fargate, Kubernetes CronJob, CI).
# Build:  docker build -t soc2ctl .
# Run:    docker run --rm -e AWS_REGION=us-east-1 soc2ctl drift soc2-baseline -i /config/inventory.yml \
#           --evidence s3://my-evidence-bucket/soc2ctl --remediate --findings securityhub
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY soc2ctl ./soc2ctl
COPY remediations ./remediations
COPY playbooks ./playbooks
COPY inventories ./inventories
RUN pip install . && rm -rf /src

# No root: soc2ctl needs only the network and AWS credentials (task role, OIDC, or environment).
RUN useradd --create-home --uid 10001 soc2ctl
USER soc2ctl
WORKDIR /home/soc2ctl

ENTRYPOINT ["soc2ctl"]
CMD ["--help"]
