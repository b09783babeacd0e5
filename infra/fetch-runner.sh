#!/usr/bin/env bash
# Copies the build runner bundle to $SIGNOFF_RUNNER, from the S3 object the CodeBuild project
# names (SIGNOFF_RUNNER_BUCKET, SIGNOFF_RUNNER_KEY: the synth's asset; the build role may read
# that one object). Does nothing when the file is already there: the local runtime bundles it
# itself and sets SIGNOFF_RUNNER to it.
set -euo pipefail

runner=${SIGNOFF_RUNNER:?SIGNOFF_RUNNER is not set: the buildspec names where the build runner goes}
if [ -f "$runner" ]; then
  exit 0
fi
if [ -z "${SIGNOFF_RUNNER_BUCKET:-}" ] || [ -z "${SIGNOFF_RUNNER_KEY:-}" ]; then
  echo "signoff: no build runner at $runner and SIGNOFF_RUNNER_BUCKET/SIGNOFF_RUNNER_KEY are not set; the CodeBuild project sets them (redeploy with npx cdk deploy)" >&2
  exit 2
fi
if ! command -v aws >/dev/null 2>&1; then
  echo "signoff: the build image has no AWS CLI (aws), which copies the build runner from S3; see infra/README.md for what a build image must hold" >&2
  exit 2
fi
mkdir -p "$(dirname "$runner")"
aws s3 cp --only-show-errors "s3://$SIGNOFF_RUNNER_BUCKET/$SIGNOFF_RUNNER_KEY" "$runner.part"
mv "$runner.part" "$runner"
