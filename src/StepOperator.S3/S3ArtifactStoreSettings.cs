using System;
using System.Linq;
using System.Text;
using StepOperator.Artifacts;

namespace StepOperator.S3;

/// <summary>
/// Where an <see cref="S3ArtifactStore"/> keeps its artifacts and how it signs its requests.
/// <see cref="ToString"/> masks the secret key and the session token.
/// </summary>
internal sealed record S3ArtifactStoreSettings
{
    /// <summary>The default part size of multipart uploads: 8 MiB.</summary>
    public const int DefaultPartSize = 8 * 1024 * 1024;

    /// <summary>
    /// The default number of parts uploaded at the same time: 2 (with the part filling, 3 × 8 MiB of buffers;
    /// a 1 GiB write through s3rver grew the process by 44 MiB with 2, by 51 MiB with 3).
    /// </summary>
    public const int DefaultPartsInFlight = 2;

    /// <summary>The most parts in flight a store accepts.</summary>
    public const int MaximumPartsInFlight = 16;

    /// <summary>The bucket; created on the first write when it does not exist.</summary>
    public required string Bucket { get; init; }

    /// <summary>A folder-like prefix every key is placed under ('/'-separated, checked like a key); empty for none.</summary>
    public string Prefix { get; init; } = string.Empty;

    /// <summary>
    /// The endpoint of an S3-compatible service (MinIO, Ceph, R2, s3rver, ...); null for AWS itself,
    /// where <see cref="Region"/> picks the endpoint.
    /// </summary>
    public Uri? ServiceUrl { get; init; }

    /// <summary>The region requests are signed for (and, on AWS, where a new bucket is created).</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary>
    /// Addresses buckets as <c>endpoint/bucket/key</c> instead of <c>bucket.endpoint/key</c>; most
    /// S3-compatible services on an IP address or localhost need it.
    /// </summary>
    public bool ForcePathStyle { get; init; }

    public required string AccessKeyId { get; init; }

    public required string SecretAccessKey { get; init; }

    /// <summary>For temporary credentials (STS); null otherwise.</summary>
    public string? SessionToken { get; init; }

    /// <summary>Bytes per multipart upload part, at least 5 MiB (S3's minimum); an object has at most 10,000 parts.</summary>
    public int PartSize { get; init; } = DefaultPartSize;

    /// <summary>
    /// Parts uploaded at the same time (1..16); a write holds at most this many part buffers plus the
    /// one filling, and waits when every slot is busy.
    /// </summary>
    public int PartsInFlight { get; init; } = DefaultPartsInFlight;

    /// <summary>
    /// Settings from an <c>s3://</c> location (as <see cref="S3ArtifactStore.Location"/> makes it) and
    /// credentials from the environment; the region falls back to AWS_REGION, then us-east-1.
    /// </summary>
    internal static S3ArtifactStoreSettings FromLocation(StoreLocation location, Func<string, string?> environment)
    {
        var unknown = location.Query.Keys.Except(["endpoint", "region", "pathStyle"], StringComparer.OrdinalIgnoreCase).ToList();
        if (unknown.Count > 0 || location.Container.Length == 0)
        {
            throw new ArgumentException(
                $"Artifact store location \"{location.Original}\" is not a valid S3 location " +
                $"({(unknown.Count > 0 ? "unknown parameter " + string.Join(", ", unknown) : "no bucket")}). " +
                "Use s3://bucket[/prefix][?endpoint=<url>&region=<region>&pathStyle=true].", "location");
        }

        Uri? endpoint = null;
        if (location.Get("endpoint") is { } endpointText && !Uri.TryCreate(endpointText, UriKind.Absolute, out endpoint))
        {
            throw new ArgumentException($"Artifact store location \"{location.Original}\": endpoint \"{endpointText}\" is not an absolute URL.", "location");
        }

        var pathStyle = location.Get("pathStyle");
        return new S3ArtifactStoreSettings
        {
            Bucket = location.Container,
            Prefix = location.Prefix,
            ServiceUrl = endpoint,
            Region = location.Get("region") ?? NonEmpty(environment("AWS_REGION")) ?? NonEmpty(environment("AWS_DEFAULT_REGION")) ?? "us-east-1",
            ForcePathStyle = pathStyle is not null && (pathStyle == "1" || bool.TryParse(pathStyle, out var on) && on),
            AccessKeyId = StoreLocation.RequireVariable(environment, S3ArtifactStore.AccessKeyIdVariable, location.Original, "an access key id"),
            SecretAccessKey = StoreLocation.RequireVariable(environment, S3ArtifactStore.SecretAccessKeyVariable, location.Original, "a secret access key"),
            SessionToken = NonEmpty(environment(S3ArtifactStore.SessionTokenVariable)),
        };
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Bucket = {Bucket}, Prefix = {Prefix}, ServiceUrl = {ServiceUrl}, Region = {Region}, ForcePathStyle = {ForcePathStyle}, ");
        builder.Append($"AccessKeyId = {AccessKeyId}, SecretAccessKey = ***, SessionToken = {(SessionToken is null ? "" : "***")}, PartSize = {PartSize}, PartsInFlight = {PartsInFlight}");
        return true;
    }
}
