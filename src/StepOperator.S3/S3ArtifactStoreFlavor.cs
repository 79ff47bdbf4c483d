using System;
using System.Collections.Generic;
using StepOperator.Artifacts;
using StepOperator.Components;
using StepOperator.Flavors;
using StepOperator.S3;

// The flavor this package brings; a program that references it gets it registered when it starts.
[assembly: Flavor(typeof(S3ArtifactStoreFlavor))]

namespace StepOperator.S3;

/// <summary>The <c>s3</c> artifact store: a bucket (and prefix) of Amazon S3 or an S3-compatible service (<see cref="S3ArtifactStore"/>).</summary>
public sealed class S3ArtifactStoreFlavor : ArtifactStoreFlavor
{
    public const string FlavorName = "s3";

    public override string Name => FlavorName;

    public override string Package => "StepOperator.S3";

    public override string Description => "Keeps artifacts in an Amazon S3 bucket, or one of an S3-compatible service (MinIO, R2, ...).";

    public override IReadOnlyList<FlavorSetting> Settings { get; } = new[]
    {
        new FlavorSetting("Bucket", "The bucket (created on first use when missing).")
        {
            Required = true,
            Example = "ml-artifacts",
            Check = value => S3BucketNames.Problem(value) is { } problem ? $"is not an S3 bucket name: {problem}" : null,
        },
        new FlavorSetting("Prefix", "A folder in the bucket to keep artifacts under.") { Example = "team/project" },
        FlavorSetting.Url("Endpoint", "An S3-compatible service's address (default: AWS)."),
        new FlavorSetting("Region", "The bucket's region (default us-east-1).") { Example = "eu-west-1" },
        FlavorSetting.Boolean("PathStyle", "Address the bucket in the path, not the host name (default: true with an endpoint)."),
        new FlavorSetting("AccessKeyId", $"The access key id (default: {S3ArtifactStore.AccessKeyIdVariable}).") { Example = "AKIA..." },
        new FlavorSetting("SecretAccessKey", $"The secret access key (default: {S3ArtifactStore.SecretAccessKeyVariable}); stored in the user-level file only, shown masked.") { Example = "<secret>" },
    };

    public override bool IsRemote => true;

    public override string? LocationScheme => S3ArtifactStore.Scheme;

    public override string LocationForm => "s3://bucket[/prefix][?endpoint=<url>&region=<region>&pathStyle=true]";

    public override IArtifactStore Create(ComponentDefinition component, string homeDirectory) => new S3ArtifactStore(new S3ArtifactStoreSettings
    {
        Bucket = component.Require("Bucket"),
        Prefix = component.Get("Prefix") ?? string.Empty,
        ServiceUrl = component.Url("Endpoint"),
        Region = component.Get("Region") ?? "us-east-1",
        ForcePathStyle = bool.TryParse(component.Get("PathStyle"), out var pathStyle) ? pathStyle : component.Get("Endpoint") is not null,
        AccessKeyId = component.Get("AccessKeyId") ?? Environment.GetEnvironmentVariable(S3ArtifactStore.AccessKeyIdVariable) ?? component.Require("AccessKeyId"),
        SecretAccessKey = component.Get("SecretAccessKey") ?? Environment.GetEnvironmentVariable(S3ArtifactStore.SecretAccessKeyVariable) ?? component.Require("SecretAccessKey"),
    });

    public override IArtifactStore Open(StoreLocation location, Func<string, string?> environment) =>
        new S3ArtifactStore(S3ArtifactStoreSettings.FromLocation(location, environment));
}
