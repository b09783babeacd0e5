# An IaC project for AWS as signoff builds it: Terraform >= 1.10 with its state in S3 and the
# state lock in S3 too (use_lockfile = true: a `<key>.tflock` object next to the state, so no
# DynamoDB lock table is needed).
#
# The plan role (signoff:planRoleArns, or the read-only role signoff makes) reads the state and
# writes and deletes only the lock object; the apply role (signoff:applyRoleArns) reads and
# writes the state. Name the backend in signoff:stateBackends so the stack grants the plan role
# the lock: "signoff:stateBackends": { "aws-example": "acme-terraform-state/aws-example" }
terraform {
  required_version = ">= 1.10"

  backend "s3" {
    bucket       = "acme-terraform-state"
    key          = "aws-example/terraform.tfstate"
    region       = "eu-west-1"
    encrypt      = true
    use_lockfile = true
  }
}

variable "release" {
  description = "What this example deploys: any string; a change is one planned update."
  type        = string
  default     = "2026-12-01"
}

# terraform_data is built into Terraform: the example plans and applies with no provider to
# download. A real project would use the AWS provider here.
resource "terraform_data" "release" {
  input = var.release
}

output "release" {
  value = terraform_data.release.output
}
