using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using StepOperator.Artifacts;

namespace StepOperator.Azure;

/// <summary>
/// Artifacts as block blobs in an Azure Storage container (or Azurite), named <c>[prefix/]key</c>,
/// signed with the account's shared key. Reads stream the blob; writes stage blocks from bounded
/// buffers and commit the block list at the end, so a failed write leaves no visible blob (its
/// uncommitted blocks are discarded by the service after a week). The container is created on
/// the first write when it does not exist.
/// </summary>
internal sealed class AzureBlobArtifactStore : IArtifactStore
{
    /// <summary>The URI scheme of Azure Blob locations.</summary>
    public const string Scheme = "azblob";

    public const string AccountVariable = "AZURE_STORAGE_ACCOUNT";

    public const string KeyVariable = "AZURE_STORAGE_KEY";

    private const int MaximumBlocks = 50_000;

    /// <summary>How long <see cref="CheckAsync"/> waits for the service.</summary>
    private static readonly TimeSpan CheckLimit = TimeSpan.FromSeconds(30);

    private readonly BlobContainerClient _container;
    private readonly ArrayPool<byte> _blockBuffers;
    private readonly SemaphoreSlim _containerCheck = new(1, 1);
    private bool _containerReady;

    /// <summary>Creates the client; nothing is sent until the first read or write.</summary>
    public AzureBlobArtifactStore(AzureBlobArtifactStoreSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrWhiteSpace(settings.Container))
        {
            throw new ArgumentException("An Azure Blob artifact store needs a container.", nameof(settings));
        }

        if (settings.BlockSize <= 0)
        {
            throw new ArgumentException($"Block size {settings.BlockSize} must be positive.", nameof(settings));
        }

        if (settings.BlocksInFlight is < 1 or > AzureBlobArtifactStoreSettings.MaximumBlocksInFlight)
        {
            throw new ArgumentException($"Blocks in flight {settings.BlocksInFlight} must be between 1 and {AzureBlobArtifactStoreSettings.MaximumBlocksInFlight}.", nameof(settings));
        }

        Settings = settings with { Prefix = StoreLocation.NormalizePrefix(settings.Prefix, nameof(settings)) };
        var service = new BlobServiceClient(Settings.EffectiveEndpoint, new StorageSharedKeyCredential(Settings.AccountName, Settings.AccountKey));
        _container = service.GetBlobContainerClient(Settings.Container);
        _blockBuffers = PartUploadStream.CreatePool(Settings.BlockSize, Settings.BlocksInFlight);

        StepEnvironment = new Dictionary<string, string>
        {
            [AccountVariable] = Settings.AccountName,
            [KeyVariable] = Settings.AccountKey,
        };
        Location = StoreLocation.Format(Scheme, Settings.Container, Settings.Prefix,
            ("endpoint", Settings.EffectiveEndpoint.ToString().TrimEnd('/')));
    }

    /// <summary>The settings, with the prefix normalized (no leading or trailing '/').</summary>
    public AzureBlobArtifactStoreSettings Settings { get; }

    /// <summary><c>azblob://container[/prefix]?endpoint=...</c>; never the key.</summary>
    public string Location { get; }

    public bool IsRemote => true;

    /// <summary>AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY.</summary>
    public IReadOnlyDictionary<string, string> StepEnvironment { get; }

    /// <summary>The blob name of an artifact: the key under the prefix.</summary>
    public string BlobNameOf(ArtifactKey key) => Settings.Prefix.Length == 0 ? key.Value : Settings.Prefix + "/" + key.Value;

    public async Task<Stream> OpenReadAsync(ArtifactKey key, CancellationToken cancellationToken)
    {
        Response<BlobDownloadStreamingResult> response;
        try
        {
            response = await _container.GetBlobClient(BlobNameOf(key)).DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new ArtifactNotFoundException(key, Location);
        }

        var result = response.Value;
        return new RemoteReadStream(result.Content, result.Details.ContentLength, result);
    }

    public async Task WriteAsync(ArtifactKey key, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);

        var upload = new BlockUploadStream(_container.GetBlockBlobClient(BlobNameOf(key)), Settings, _blockBuffers, cancellationToken);
        await upload.UploadAsync(write, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> ExistsAsync(ArtifactKey key, CancellationToken cancellationToken)
    {
        try
        {
            return (await _container.GetBlobClient(BlobNameOf(key)).ExistsAsync(cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false; // The container does not exist yet.
        }
    }

    /// <summary>
    /// Asks for the container and lists at most one blob under the prefix: that takes a reachable service, an accepted
    /// key, the container and the right to read it. A missing container is created, as a first write would.
    /// </summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        if (AzureContainerNames.Problem(Settings.Container) is { } invalid)
        {
            throw new ArtifactStoreUnavailableException(Location, $"names container '{Settings.Container}', which Azure does not allow ({invalid})",
                "--container=<name>", "choose a name such as 'ml-artifacts'");
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(CheckLimit);
        try
        {
            if (!(await _container.ExistsAsync(limit.Token).ConfigureAwait(false)).Value)
            {
                await CreateContainerAsync(limit.Token).ConfigureAwait(false);
            }

            await foreach (var _ in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, Settings.Prefix.Length == 0 ? null : Settings.Prefix + "/", limit.Token)
                .AsPages(pageSizeHint: 1).ConfigureAwait(false))
            {
                break;
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not ArtifactStoreUnavailableException)
        {
            throw Unavailable(e);
        }

        _containerReady = true;
    }

    public override string ToString() => Location;

    /// <summary>A missing container, created for the check; one that cannot be created is the store's problem.</summary>
    private async Task CreateContainerAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (!IsKeyRefused(e) && e.Status != 0)
        {
            throw new ArtifactStoreUnavailableException(Location,
                $"has no container '{Settings.Container}', and it could not be created ({e.ErrorCode ?? e.Status.ToString(CultureInfo.InvariantCulture)}: {ArtifactStoreUnavailableException.FirstLine(e.Message)})",
                "--container=<an existing container>", $"create container '{Settings.Container}' (or use a key that may create containers)", e);
        }
    }

    /// <summary>What went wrong with the check, in one line with its fix.</summary>
    private ArtifactStoreUnavailableException Unavailable(Exception e)
    {
        var key = $"--account_name=<account> --account_key=<key of storage account '{Settings.AccountName}'>";
        var service = Settings.EffectiveEndpoint.ToString().TrimEnd('/');
        return e switch
        {
            OperationCanceledException => new ArtifactStoreUnavailableException(Location,
                $"did not answer at {service} within {CheckLimit.TotalSeconds:0} s", "--endpoint=<url>", "check the address and that the service is up", e),
            RequestFailedException failed when IsKeyRefused(failed) => new ArtifactStoreUnavailableException(Location,
                $"refused the account key of storage account '{Settings.AccountName}' ({failed.Status} {failed.ErrorCode})", key, null, e),
            RequestFailedException { Status: 403 } failed => new ArtifactStoreUnavailableException(Location,
                $"accepted the key but refused access to container '{Settings.Container}' ({failed.ErrorCode})", key,
                $"allow the account's key to read and write container '{Settings.Container}'", e),
            _ when ArtifactStoreUnavailableException.ConnectionFailure(e) is { } failure => new ArtifactStoreUnavailableException(Location,
                $"is not reachable at {service} ({failure})", "--endpoint=<url>", "start the service or correct its address", e),
            RequestFailedException failed => new ArtifactStoreUnavailableException(Location,
                $"answered {failed.Status} {failed.ErrorCode}: {ArtifactStoreUnavailableException.FirstLine(failed.Message)}", "--container=... " + key, null, e),
            _ => new ArtifactStoreUnavailableException(Location, $"could not be checked ({e.GetType().Name}: {ArtifactStoreUnavailableException.FirstLine(e.Message)})", "--endpoint=<url> " + key, null, e),
        };
    }

    // Azure answers a wrong shared key with 403 AuthenticationFailed; Azurite with 403 AuthorizationFailure and the same words.
    private static bool IsKeyRefused(RequestFailedException e) =>
        e.Status == 403 && (e.ErrorCode == "AuthenticationFailed" || e.Message.Contains("failed to authenticate", StringComparison.OrdinalIgnoreCase));

    /// <summary>Creates the container once per store.</summary>
    private async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (_containerReady)
        {
            return;
        }

        await _containerCheck.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_containerReady)
            {
                try
                {
                    await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException e) when (e.Status == 403)
                {
                    // A key scoped to blobs may not create containers: a write to a container that
                    // really is missing fails with the service's own error.
                }

                _containerReady = true;
            }
        }
        finally
        {
            _containerCheck.Release();
        }
    }

    /// <summary>One write: a single Put Blob when the content fits in one block, staged blocks and a commit otherwise.</summary>
    private sealed class BlockUploadStream(BlockBlobClient blob, AzureBlobArtifactStoreSettings settings, ArrayPool<byte> pool, CancellationToken cancellationToken)
        : PartUploadStream(settings.BlockSize, MaximumBlocks, settings.BlocksInFlight, cancellationToken, pool)
    {
        // Block ids are unique to this write, so a concurrent write to the same blob cannot
        // commit (or overwrite) this write's uncommitted blocks.
        private readonly Guid _writeId = Guid.NewGuid();

        protected override string Target => $"Azure blob {blob.Uri}";

        protected override async Task UploadWholeAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            using var body = AsStream(content);
            await blob.UploadAsync(body, new BlobUploadOptions(), cancellationToken).ConfigureAwait(false);
        }

        protected override async Task<string> UploadPartAsync(int partNumber, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            var id = BlockId(partNumber);
            using var body = AsStream(content);
            await blob.StageBlockAsync(id, body, cancellationToken: cancellationToken).ConfigureAwait(false);
            return id;
        }

        protected override Task CommitPartsAsync(IReadOnlyList<string> parts, CancellationToken cancellationToken) =>
            blob.CommitBlockListAsync(parts, cancellationToken: cancellationToken);

        protected override Task DiscardPartsAsync() =>
            Task.CompletedTask; // Blob storage has no call to drop uncommitted blocks; uncommitted, they are invisible.

        /// <summary>Base64 of the write id and the block number: every id of a blob must have the same length.</summary>
        private string BlockId(int number)
        {
            Span<byte> id = stackalloc byte[20];
            _writeId.TryWriteBytes(id);
            BinaryPrimitives.WriteInt32BigEndian(id[16..], number);
            return Convert.ToBase64String(id);
        }
    }
}
