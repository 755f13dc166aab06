# By backup plan ARN, by LOCATION/PLAN_ID (aws), or by CLOUD/LOCATION/PLAN_ID.
# resource_arns, selection_tags and snapshot_trigger are configuration only:
# keep them in the configuration.
terraform import ha_backup_plan.orders arn:aws:backup:us-east-1:123456789012:backup-plan:0a1b2c3d-1111-2222-3333-444455556666

# A bare-metal plan is not imported (its hosts are configuration): declare
# it and apply, and the apply adopts the existing pgBackRest repository.
