using System;
using System.Linq;
using System.Text;
using StepOperator.Artifacts;

namespace StepOperator.Azure;

/// <summary>
/// Where an <see cref="AzureBlobArtifactStore"/> keeps its artifacts and the shared key it signs with.
/// <see cref="ToString"/> masks the key.
/// </summary>
internal sealed record AzureBlobArtifactStoreSettings
{
    /// <summary>The default block size: 8 MiB.</summary>
    public const int DefaultBlockSize = 8 * 1024 * 1024;

    /// <summary>The default number of blocks staged at the same time: 2 (with the block filling, 3 × 8 MiB of buffers).</summary>
    public const int DefaultBlocksInFlight = 2;

    /// <summary>The most blocks in flight a store accepts.</summary>
    public const int MaximumBlocksInFlight = 16;

    /// <summary>
    /// The account's blob endpoint, such as Azurite's <c>http://127.0.0.1:10000/devstoreaccount1</c>;
    /// null for <c>https://{AccountName}.blob.core.windows.net</c>.
    /// </summary>
    public Uri? AccountEndpoint { get; init; }

    public required string AccountName { get; init; }

    /// <summary>The account's shared key (base64).</summary>
    public required string AccountKey { get; init; }

    /// <summary>The container; created on the first write when it does not exist.</summary>
    public required string Container { get; init; }

    /// <summary>A folder-like prefix every key is placed under ('/'-separated, checked like a key); empty for none.</summary>
    public string Prefix { get; init; } = string.Empty;

    /// <summary>Bytes per staged block; a blob has at most 50,000 blocks.</summary>
    public int BlockSize { get; init; } = DefaultBlockSize;

    /// <summary>
    /// Blocks staged at the same time (1..16); a write holds at most this many block buffers plus the
    /// one filling, and waits when every slot is busy.
    /// </summary>
    public int BlocksInFlight { get; init; } = DefaultBlocksInFlight;

    /// <summary><see cref="AccountEndpoint"/>, or the public Azure endpoint of the account.</summary>
    public Uri EffectiveEndpoint => AccountEndpoint ?? new Uri($"https://{AccountName}.blob.core.windows.net");

    /// <summary>
    /// Settings from an <c>azblob://</c> location (as <see cref="AzureBlobArtifactStore.Location"/> makes it)
    /// and the account name and key from the environment.
    /// </summary>
    internal static AzureBlobArtifactStoreSettings FromLocation(StoreLocation location, Func<string, string?> environment)
    {
        var unknown = location.Query.Keys.Except(["endpoint"], StringComparer.OrdinalIgnoreCase).ToList();
        if (unknown.Count > 0 || location.Container.Length == 0)
        {
            throw new ArgumentException(
                $"Artifact store location \"{location.Original}\" is not a valid Azure Blob location " +
                $"({(unknown.Count > 0 ? "unknown parameter " + string.Join(", ", unknown) : "no container")}). " +
                "Use azblob://container[/prefix][?endpoint=<account url>].", "location");
        }

        Uri? endpoint = null;
        if (location.Get("endpoint") is { } endpointText && !Uri.TryCreate(endpointText, UriKind.Absolute, out endpoint))
        {
            throw new ArgumentException($"Artifact store location \"{location.Original}\": endpoint \"{endpointText}\" is not an absolute URL.", "location");
        }

        return new AzureBlobArtifactStoreSettings
        {
            AccountEndpoint = endpoint,
            AccountName = StoreLocation.RequireVariable(environment, AzureBlobArtifactStore.AccountVariable, location.Original, "the storage account name"),
            AccountKey = StoreLocation.RequireVariable(environment, AzureBlobArtifactStore.KeyVariable, location.Original, "the storage account's shared key"),
            Container = location.Container,
            Prefix = location.Prefix,
        };
    }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"AccountEndpoint = {AccountEndpoint}, AccountName = {AccountName}, AccountKey = ***, ");
        builder.Append($"Container = {Container}, Prefix = {Prefix}, BlockSize = {BlockSize}, BlocksInFlight = {BlocksInFlight}");
        return true;
    }
}
