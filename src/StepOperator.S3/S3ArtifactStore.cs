using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using StepOperator.Artifacts;

namespace StepOperator.S3;

/// <summary>
/// Artifacts as objects in an S3 bucket (AWS or any S3-compatible service), keyed
/// <c>[prefix/]key</c>. Reads stream the object; writes stream through a multipart upload with
/// bounded part buffers, and a failed write aborts the upload so nothing partial becomes visible.
/// The bucket is created on the first write when it does not exist.
/// </summary>
internal sealed class S3ArtifactStore : IArtifactStore, IDisposable
{
    /// <summary>The URI scheme of S3 locations.</summary>
    public const string Scheme = "s3";

    public const string AccessKeyIdVariable = "AWS_ACCESS_KEY_ID";

    public const string SecretAccessKeyVariable = "AWS_SECRET_ACCESS_KEY";

    /// <summary>Given to steps only when the store has temporary credentials.</summary>
    public const string SessionTokenVariable = "AWS_SESSION_TOKEN";

    private const int MinimumPartSize = 5 * 1024 * 1024;
    private const int MaximumParts = 10_000;

    /// <summary>How long <see cref="CheckAsync"/> waits for the service.</summary>
    private static readonly TimeSpan CheckLimit = TimeSpan.FromSeconds(30);

    private readonly AmazonS3Client _client;
    private readonly ArrayPool<byte> _partBuffers;
    private readonly SemaphoreSlim _bucketCheck = new(1, 1);
    private bool _bucketReady;

    /// <summary>Creates the client; nothing is sent until the first read or write.</summary>
    public S3ArtifactStore(S3ArtifactStoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrWhiteSpace(settings.Bucket))
        {
            throw new ArgumentException("An S3 artifact store needs a bucket.", nameof(settings));
        }

        if (settings.PartSize < MinimumPartSize)
        {
            throw new ArgumentException($"S3 part size {settings.PartSize} is below S3's minimum of {MinimumPartSize} bytes (5 MiB).", nameof(settings));
        }

        if (settings.PartsInFlight is < 1 or > S3ArtifactStoreSettings.MaximumPartsInFlight)
        {
            throw new ArgumentException($"S3 parts in flight {settings.PartsInFlight} must be between 1 and {S3ArtifactStoreSettings.MaximumPartsInFlight}.", nameof(settings));
        }

        Settings = settings with { Prefix = StoreLocation.NormalizePrefix(settings.Prefix, nameof(settings)) };

        var config = new AmazonS3Config
        {
            ForcePathStyle = Settings.ForcePathStyle,

            // Checksums only where the API requires them: S3-compatible services (s3rver among
            // them) do not all understand the newer flexible-checksum headers and trailers.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,

            // The settings alone say where the store is, not AWS_ENDPOINT_URL* of whoever opens it.
            IgnoreConfiguredEndpointUrls = true,
        };
        if (Settings.ServiceUrl is { } serviceUrl)
        {
            config.ServiceURL = serviceUrl.ToString();
            config.AuthenticationRegion = Settings.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(Settings.Region);
        }

        AWSCredentials credentials = Settings.SessionToken is { } token
            ? new SessionAWSCredentials(Settings.AccessKeyId, Settings.SecretAccessKey, token)
            : new BasicAWSCredentials(Settings.AccessKeyId, Settings.SecretAccessKey);
        _client = new AmazonS3Client(credentials, config);
        _partBuffers = PartUploadStream.CreatePool(Settings.PartSize, Settings.PartsInFlight);

        var environment = new Dictionary<string, string>
        {
            [AccessKeyIdVariable] = Settings.AccessKeyId,
            [SecretAccessKeyVariable] = Settings.SecretAccessKey,
        };
        if (Settings.SessionToken is { } sessionToken)
        {
            environment[SessionTokenVariable] = sessionToken;
        }

        StepEnvironment = environment;
        Location = StoreLocation.Format(Scheme, Settings.Bucket, Settings.Prefix,
            ("endpoint", Settings.ServiceUrl?.ToString().TrimEnd('/')),
            ("region", Settings.Region),
            ("pathStyle", Settings.ForcePathStyle ? "true" : null));
    }

    /// <summary>The settings, with the prefix normalized (no leading or trailing '/').</summary>
    public S3ArtifactStoreSettings Settings { get; }

    /// <summary><c>s3://bucket[/prefix]?endpoint=...&amp;region=...&amp;pathStyle=true</c>; never a credential.</summary>
    public string Location { get; }

    public bool IsRemote => true;

    /// <summary>AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN with temporary credentials).</summary>
    public IReadOnlyDictionary<string, string> StepEnvironment { get; }

    /// <summary>The object key of an artifact: the key under the prefix.</summary>
    public string ObjectKeyOf(ArtifactKey key) => Settings.Prefix.Length == 0 ? key.Value : Settings.Prefix + "/" + key.Value;

    public async Task<Stream> OpenReadAsync(ArtifactKey key, CancellationToken cancellationToken)
    {
        GetObjectResponse response;
        try
        {
            response = await _client.GetObjectAsync(Settings.Bucket, ObjectKeyOf(key), cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (IsNotFound(e))
        {
            throw new ArtifactNotFoundException(key, Location);
        }

        return new RemoteReadStream(response.ResponseStream, response.ContentLength, response);
    }

    public async Task WriteAsync(ArtifactKey key, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await EnsureBucketAsync(cancellationToken).ConfigureAwait(false);

        var upload = new S3UploadStream(_client, Settings.Bucket, ObjectKeyOf(key), Settings, _partBuffers, cancellationToken);
        await upload.UploadAsync(write, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> ExistsAsync(ArtifactKey key, CancellationToken cancellationToken)
    {
        try
        {
            await _client.GetObjectMetadataAsync(Settings.Bucket, ObjectKeyOf(key), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception e) when (IsNotFound(e))
        {
            return false;
        }
    }

    /// <summary>
    /// Lists an empty folder under the prefix: that takes a reachable service, accepted credentials, the bucket and
    /// the right to list it (which the cache needs: a HEAD of a missing object without it is refused). A missing bucket is
    /// created, as a first write would.
    /// </summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        if (S3BucketNames.Problem(Settings.Bucket) is { } invalid)
        {
            throw new ArtifactStoreUnavailableException(Location, $"names bucket '{Settings.Bucket}', which S3 does not allow ({invalid})",
                "--bucket=<name>", "choose a name such as 'ml-artifacts'");
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(CheckLimit);
        try
        {
            try
            {
                // A listing under the store's prefix (where a policy that limits listing to it allows it), of a
                // folder no object lives in: it proves what the check needs without reading any of the store's objects.
                await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Settings.Bucket, Prefix = ObjectKeyOf(ArtifactKey.Parse(".stepoperator-check")) + "/", MaxKeys = 1 }, limit.Token).ConfigureAwait(false);
            }
            catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket")
            {
                await CreateBucketAsync(limit.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not ArtifactStoreUnavailableException)
        {
            throw Unavailable(e);
        }

        _bucketReady = true;
    }

    public void Dispose()
    {
        _client.Dispose();
        _bucketCheck.Dispose();
    }

    public override string ToString() => Location;

    /// <summary>A missing bucket, created for the check; one that cannot be created is the store's problem.</summary>
    private async Task CreateBucketAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _client.PutBucketAsync(BucketRequest(), cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou")
        {
            // Made meanwhile by another run.
        }
        catch (AmazonS3Exception e) when (!IsCredentialError(e))
        {
            throw new ArtifactStoreUnavailableException(Location,
                $"has no bucket '{Settings.Bucket}', and it could not be created ({e.ErrorCode}: {ArtifactStoreUnavailableException.FirstLine(e.Message)})",
                "--bucket=<an existing bucket>", $"create bucket '{Settings.Bucket}' (or let these credentials create buckets)", e);
        }
    }

    /// <summary>What went wrong with the check, in one line with its fix.</summary>
    private ArtifactStoreUnavailableException Unavailable(Exception e)
    {
        const string credentials = "--access_key_id=<id> --secret_access_key=<secret>";
        var service = Settings.ServiceUrl is { } url ? url.ToString().TrimEnd('/') : $"AWS S3 in {Settings.Region}";
        return e switch
        {
            OperationCanceledException => new ArtifactStoreUnavailableException(Location,
                $"did not answer at {service} within {CheckLimit.TotalSeconds:0} s", "--endpoint=<url>", "check the address and that the service is up", e),
            AmazonS3Exception { ErrorCode: "InvalidAccessKeyId" } s3 => new ArtifactStoreUnavailableException(Location,
                $"refused the access key id ({s3.ErrorCode}: {ArtifactStoreUnavailableException.FirstLine(s3.Message)})", credentials, null, e),
            AmazonS3Exception { ErrorCode: "SignatureDoesNotMatch" } s3 => new ArtifactStoreUnavailableException(Location,
                $"refused the secret access key ({s3.ErrorCode})", credentials, null, e),
            AmazonS3Exception { ErrorCode: "InvalidToken" or "ExpiredToken" or "TokenRefreshRequired" } s3 => new ArtifactStoreUnavailableException(Location,
                $"refused the session token ({s3.ErrorCode}: {ArtifactStoreUnavailableException.FirstLine(s3.Message)})", credentials, "renew the temporary credentials", e),
            AmazonS3Exception { ErrorCode: "PermanentRedirect" or "AuthorizationHeaderMalformed" or "IllegalLocationConstraintException" } s3 => new ArtifactStoreUnavailableException(Location,
                $"keeps bucket '{Settings.Bucket}' in another region than {Settings.Region} ({s3.ErrorCode})", "--region=<the bucket's region>", null, e),
            AmazonS3Exception { ErrorCode: "AccessDenied" } s3 => new ArtifactStoreUnavailableException(Location,
                $"accepted the credentials but refused to list bucket '{Settings.Bucket}' ({s3.ErrorCode})", credentials,
                $"allow these credentials s3:ListBucket, s3:GetObject and s3:PutObject on bucket '{Settings.Bucket}'", e),
            _ when ArtifactStoreUnavailableException.ConnectionFailure(e) is { } failure => new ArtifactStoreUnavailableException(Location,
                $"is not reachable at {service} ({failure})", "--endpoint=<url>", "start the service or correct its address", e),
            AmazonS3Exception s3 => new ArtifactStoreUnavailableException(Location,
                $"answered {s3.ErrorCode ?? ((int)s3.StatusCode).ToString(CultureInfo.InvariantCulture)}: {ArtifactStoreUnavailableException.FirstLine(s3.Message)}", "--bucket=... " + credentials, null, e),
            _ => new ArtifactStoreUnavailableException(Location, $"could not be checked ({e.GetType().Name}: {ArtifactStoreUnavailableException.FirstLine(e.Message)})", "--endpoint=<url> " + credentials, null, e),
        };
    }

    private static bool IsCredentialError(AmazonS3Exception e) =>
        e.ErrorCode is "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "InvalidToken" or "ExpiredToken";

    private static bool IsNotFound(AmazonS3Exception e) =>
        e.StatusCode == HttpStatusCode.NotFound || e.ErrorCode is "NoSuchKey" or "NoSuchBucket" or "NotFound";

    /// <summary>Creates the bucket once per store; a bucket that exists (or that we may not create) is left as it is.</summary>
    private async Task EnsureBucketAsync(CancellationToken cancellationToken)
    {
        if (_bucketReady)
        {
            return;
        }

        await _bucketCheck.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_bucketReady)
            {
                return;
            }

            try
            {
                await _client.PutBucketAsync(BucketRequest(), cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists" || e.StatusCode == HttpStatusCode.Forbidden)
            {
                // Exists already, or the credentials may only touch objects: a write to a bucket
                // that really is missing fails with S3's own error.
            }

            _bucketReady = true;
        }
        finally
        {
            _bucketCheck.Release();
        }
    }

    private PutBucketRequest BucketRequest()
    {
        var request = new PutBucketRequest { BucketName = Settings.Bucket };
        if (Settings.ServiceUrl is null && Settings.Region != "us-east-1")
        {
            request.BucketRegionName = Settings.Region; // AWS wants a location constraint outside us-east-1.
        }

        return request;
    }

    /// <summary>One write: a single PutObject when the content fits in one part, a multipart upload otherwise.</summary>
    private sealed class S3UploadStream(AmazonS3Client client, string bucket, string objectKey, S3ArtifactStoreSettings settings, ArrayPool<byte> pool, CancellationToken cancellationToken)
        : PartUploadStream(settings.PartSize, MaximumParts, settings.PartsInFlight, cancellationToken, pool)
    {
        private string? _uploadId;

        protected override string Target => $"S3 object s3://{bucket}/{objectKey}";

        protected override async Task UploadWholeAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            using var body = AsStream(content);
            await client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = bucket,
                Key = objectKey,
                InputStream = body,
                AutoCloseStream = false,

                // aws-chunked bodies are not understood by every S3-compatible service; the
                // content is in memory anyway, so it is signed whole instead.
                UseChunkEncoding = false,
            }, cancellationToken).ConfigureAwait(false);
        }

        protected override async Task BeginPartsAsync(CancellationToken cancellationToken) =>
            _uploadId = (await client.InitiateMultipartUploadAsync(
                new InitiateMultipartUploadRequest { BucketName = bucket, Key = objectKey }, cancellationToken).ConfigureAwait(false)).UploadId;

        protected override async Task<string> UploadPartAsync(int partNumber, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            using var body = AsStream(content);
            var response = await client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = bucket,
                Key = objectKey,
                UploadId = _uploadId,
                PartNumber = partNumber,
                PartSize = content.Length,
                InputStream = body,
                UseChunkEncoding = false,
            }, cancellationToken).ConfigureAwait(false);
            return response.ETag;
        }

        protected override Task CommitPartsAsync(IReadOnlyList<string> parts, CancellationToken cancellationToken)
        {
            var etags = new List<PartETag>(parts.Count);
            for (var i = 0; i < parts.Count; i++)
            {
                etags.Add(new PartETag(i + 1, parts[i]));
            }

            return client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = bucket,
                Key = objectKey,
                UploadId = _uploadId,
                PartETags = etags,
            }, cancellationToken);
        }

        protected override async Task DiscardPartsAsync()
        {
            if (_uploadId is not null)
            {
                await client.AbortMultipartUploadAsync(bucket, objectKey, _uploadId, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }
}
