using StepOperator.Azure;
using StepOperator.S3;

namespace StepOperator.Artifacts.Tests;

/// <summary>
/// Whether the local servers can run here. Outside CI, a machine without Node.js, or where
/// <c>npm ci</c> fails, skips the server tests with the reason; in CI (CI=true) they run and fail.
/// </summary>
public static class RemoteStoreEnvironment
{
    public static bool InCi { get; } = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Found once per test run; installing the servers (npm ci) happens here outside CI.</summary>
    public static string? SkipReason => LazySkipReason.Value;

    private static readonly Lazy<string?> LazySkipReason = new(() =>
        InCi || LocalServers.Prepare(RepositoryPaths.Root) is not { } problem
            ? null
            : $"The S3 and Azure Blob store tests need s3rver and Azurite from eng/artifact-stores: {problem}. " +
              "Install Node.js 20+ with npm (with CI=true these tests fail instead of skipping).");
}

/// <summary>A test that needs the local servers; skipped with the reason where they cannot run (never in CI).</summary>
public sealed class RemoteStoreFactAttribute : FactAttribute
{
    public RemoteStoreFactAttribute()
    {
        if (RemoteStoreEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>The <see cref="RemoteStoreFactAttribute"/> of theories.</summary>
public sealed class RemoteStoreTheoryAttribute : TheoryAttribute
{
    public RemoteStoreTheoryAttribute()
    {
        if (RemoteStoreEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A running server and the stores the contract tests make on it.</summary>
public abstract class StoreServerFixture : IAsyncLifetime
{
    private LocalServer? _server;

    /// <summary>The server's address: the S3 endpoint, or Azurite's account endpoint.</summary>
    public string Address => _server?.Address ?? throw new InvalidOperationException("The server is not running.");

    /// <summary>The server's log file.</summary>
    public string LogFile => _server?.LogFile ?? throw new InvalidOperationException("The server is not running.");

    /// <summary>The part (block) size of the stores made here; content above it takes the multipart path.</summary>
    public abstract int PartSize { get; }

    /// <summary>The credential variables the store's StepEnvironment must hold.</summary>
    public abstract IReadOnlyDictionary<string, string> ExpectedStepEnvironment { get; }

    /// <summary>A store on the server, in <paramref name="container"/> under <paramref name="prefix"/>.</summary>
    public abstract IArtifactStore CreateStore(string container, string prefix);

    public async Task InitializeAsync()
    {
        if (RemoteStoreEnvironment.SkipReason is null)
        {
            _server = await StartAsync(RepositoryPaths.Root);
        }
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private protected abstract Task<LocalServer> StartAsync(string repositoryRoot);
}

public sealed class S3rverFixture : StoreServerFixture
{
    public override int PartSize => S3ArtifactStoreSettings.DefaultPartSize;

    public override IReadOnlyDictionary<string, string> ExpectedStepEnvironment { get; } = new Dictionary<string, string>
    {
        ["AWS_ACCESS_KEY_ID"] = LocalServers.S3AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = LocalServers.S3SecretAccessKey,
    };

    public override IArtifactStore CreateStore(string container, string prefix) => new S3ArtifactStore(Settings(container, prefix));

    internal S3ArtifactStoreSettings Settings(string bucket, string prefix) => new()
    {
        Bucket = bucket,
        Prefix = prefix,
        ServiceUrl = new Uri(Address),
        Region = "us-east-1",
        ForcePathStyle = true,
        AccessKeyId = LocalServers.S3AccessKeyId,
        SecretAccessKey = LocalServers.S3SecretAccessKey,
    };

    private protected override Task<LocalServer> StartAsync(string repositoryRoot) => LocalServers.StartS3rverAsync(repositoryRoot);
}

public sealed class AzuriteFixture : StoreServerFixture
{
    public override int PartSize => AzureBlobArtifactStoreSettings.DefaultBlockSize;

    public override IReadOnlyDictionary<string, string> ExpectedStepEnvironment { get; } = new Dictionary<string, string>
    {
        ["AZURE_STORAGE_ACCOUNT"] = LocalServers.AzuriteAccount,
        ["AZURE_STORAGE_KEY"] = LocalServers.AzuriteKey,
    };

    public override IArtifactStore CreateStore(string container, string prefix) => new AzureBlobArtifactStore(Settings(container, prefix));

    internal AzureBlobArtifactStoreSettings Settings(string container, string prefix) => new()
    {
        AccountEndpoint = new Uri(Address),
        AccountName = LocalServers.AzuriteAccount,
        AccountKey = LocalServers.AzuriteKey,
        Container = container,
        Prefix = prefix,
    };

    private protected override Task<LocalServer> StartAsync(string repositoryRoot) => LocalServers.StartAzuriteAsync(repositoryRoot);
}
