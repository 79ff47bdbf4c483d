using System.Text;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using StepOperator.Azure;
using StepOperator.Flavors;
using StepOperator.S3;

namespace StepOperator.Artifacts.Tests;

/// <summary>
/// What every remote artifact store must do, run against each one on its local server
/// (<see cref="S3ArtifactStoreTests"/>, <see cref="AzureBlobArtifactStoreTests"/>). Every test
/// works under its own prefix, so tests never see each other's artifacts.
/// </summary>
public abstract class ArtifactStoreContract(StoreServerFixture server)
{
    private const string Container = "artifacts";

    private static CancellationToken None => CancellationToken.None;

    /// <summary>A store of its own for one test.</summary>
    protected IArtifactStore NewStore() => server.CreateStore(Container, "runs/" + Guid.NewGuid().ToString("N"));

    [RemoteStoreFact]
    public async Task Values_round_trip_as_json()
    {
        var store = NewStore();
        var key = ArtifactKey.Parse("run/steps/A/output.json");
        var value = new Sample("model", [1.5, 2.5], (3, "x"));

        await ArtifactSerializer.WriteAsync(store, key, value, "test", None);
        var back = await ArtifactSerializer.ReadAsync<Sample>(store, key, "test", None);

        Assert.Equal(value.Name, back.Name);
        Assert.Equal(value.Weights, back.Weights);
        Assert.Equal(value.Pair, back.Pair);
        Assert.True(await store.ExistsAsync(key, None));
    }

    [RemoteStoreFact]
    public async Task A_multi_megabyte_stream_goes_up_in_parts_and_comes_back_as_a_stream()
    {
        var store = NewStore();
        var key = ArtifactKey.Parse("run/steps/A/output.bin");
        var size = 3L * server.PartSize + 12_345; // > 24 MiB: three full parts and a short one
        var source = new GeneratedStream(size);

        await ArtifactSerializer.WriteAsync<Stream>(store, key, source, "test", None);

        await using var back = await ArtifactSerializer.ReadAsync<Stream>(store, key, "test", None);
        Assert.IsNotType<MemoryStream>(back);
        Assert.Equal(size, back.Length);
        var (hash, length) = await GeneratedStream.HashOfAsync(back);
        Assert.Equal(size, length);
        Assert.Equal(source.Hash, hash);
    }

    [RemoteStoreTheory]
    [InlineData("empty")]
    [InlineData("one byte")]
    [InlineData("exactly one part")]
    [InlineData("one part and one byte")]
    public async Task Sizes_around_a_part_round_trip(string size)
    {
        var store = NewStore();
        var key = ArtifactKey.Parse("run/sized.bin");
        var length = size switch
        {
            "empty" => 0L,
            "one byte" => 1L,
            "exactly one part" => server.PartSize,
            _ => server.PartSize + 1L,
        };
        var source = new GeneratedStream(length, seed: 42);

        await store.WriteAsync(key, (target, ct) => source.CopyToAsync(target, ct), None);

        await using var back = await store.OpenReadAsync(key, None);
        var (hash, read) = await GeneratedStream.HashOfAsync(back);
        Assert.Equal(length, read);
        Assert.Equal(source.Hash, hash);
    }

    [RemoteStoreFact]
    public async Task Bytes_round_trip_raw()
    {
        var store = NewStore();
        var key = ArtifactKey.Parse("run/bytes.bin");
        var bytes = Encoding.UTF8.GetBytes("raw bytes, not JSON");

        await ArtifactSerializer.WriteAsync(store, key, bytes, "test", None);

        Assert.Equal(bytes, await ArtifactSerializer.ReadAsync<byte[]>(store, key, "test", None));
    }

    [RemoteStoreFact]
    public async Task A_missing_artifact_is_an_ArtifactNotFoundException_naming_the_key()
    {
        var store = NewStore();
        await ArtifactSerializer.WriteAsync(store, ArtifactKey.Parse("run/present.json"), 1, "test", None);

        var error = await Assert.ThrowsAsync<ArtifactNotFoundException>(() => store.OpenReadAsync(ArtifactKey.Parse("run/missing.json"), None));
        Assert.Contains("run/missing.json", error.Message);
        Assert.Equal("run/missing.json", error.Key.Value);
        Assert.False(await store.ExistsAsync(ArtifactKey.Parse("run/missing.json"), None));

        // Also when nothing was ever written to the container: no bucket/container yet.
        var empty = server.CreateStore("never-written-" + Guid.NewGuid().ToString("N")[..12], string.Empty);
        await Assert.ThrowsAsync<ArtifactNotFoundException>(() => empty.OpenReadAsync(ArtifactKey.Parse("run/missing.json"), None));
        Assert.False(await empty.ExistsAsync(ArtifactKey.Parse("run/missing.json"), None));
    }

    [RemoteStoreFact]
    public async Task A_write_that_fails_halfway_leaves_nothing_visible()
    {
        var store = NewStore();
        var key = ArtifactKey.Parse("run/steps/A/output.bin");

        // Past the first part, so parts have been uploaded when the source fails.
        var source = new GeneratedStream(3L * server.PartSize, failAfter: server.PartSize + server.PartSize / 2);
        var error = await Assert.ThrowsAsync<IOException>(() => ArtifactSerializer.WriteAsync<Stream>(store, key, source, "test", None));

        Assert.Contains("failed after", error.Message);
        Assert.False(await store.ExistsAsync(key, None));
        await Assert.ThrowsAsync<ArtifactNotFoundException>(() => store.OpenReadAsync(key, None));
    }

    [RemoteStoreFact]
    public async Task A_write_cancelled_with_parts_in_flight_leaves_nothing_visible()
    {
        var store = NewStore();
        var key = ArtifactKey.Parse("run/steps/A/output.bin");
        using var cancellation = new CancellationTokenSource();

        // Three parts handed over (up to the store's default of two uploading at once), then the run is
        // cancelled while the fourth fills.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.WriteAsync(key, async (target, ct) =>
        {
            var source = new GeneratedStream(6L * server.PartSize);
            var buffer = new byte[1 << 20];
            for (var sent = 0L; ; sent += buffer.Length)
            {
                if (sent == (3L * server.PartSize) + buffer.Length)
                {
                    await cancellation.CancelAsync();
                }

                await source.ReadExactlyAsync(buffer, ct);
                await target.WriteAsync(buffer, ct);
            }
        }, cancellation.Token));

        Assert.False(await store.ExistsAsync(key, None));
        await Assert.ThrowsAsync<ArtifactNotFoundException>(() => store.OpenReadAsync(key, None));
    }

    [RemoteStoreFact]
    public async Task A_write_whose_callback_throws_keeps_the_previous_artifact()
    {
        var store = NewStore();
        var key = ArtifactKey.Parse("run/output.json");
        await ArtifactSerializer.WriteAsync(store, key, "first", "test", None);

        await Assert.ThrowsAsync<TimeoutException>(() => store.WriteAsync(key, async (target, ct) =>
        {
            await new GeneratedStream(server.PartSize + 1024).CopyToAsync(target, ct);
            throw new TimeoutException("the step gave up");
        }, None));

        Assert.Equal("first", await ArtifactSerializer.ReadAsync<string>(store, key, "test", None));
    }

    [RemoteStoreFact]
    public async Task Keys_are_placed_under_the_prefix()
    {
        var prefix = "runs/" + Guid.NewGuid().ToString("N");
        var store = server.CreateStore(Container, prefix + "/");
        var root = server.CreateStore(Container, string.Empty);
        var key = ArtifactKey.Parse("run/steps/A/output.json");

        await ArtifactSerializer.WriteAsync(store, key, 42, "test", None);

        Assert.True(await root.ExistsAsync(ArtifactKey.Parse(prefix + "/" + key.Value), None));
        Assert.False(await root.ExistsAsync(key, None));
        Assert.Equal(42, await ArtifactSerializer.ReadAsync<int>(root, ArtifactKey.Parse(prefix + "/" + key.Value), "test", None));
    }

    [RemoteStoreFact]
    public async Task The_location_has_no_secret_and_with_the_step_environment_reopens_the_same_store()
    {
        var store = NewStore();
        var key = ArtifactKey.Parse("run/steps/A/output.json");
        await ArtifactSerializer.WriteAsync(store, key, new Sample("shared", [1], (1, "y")), "test", None);

        foreach (var secret in store.StepEnvironment.Where(v => v.Key.Contains("SECRET") || v.Key.Contains("KEY")).Select(v => v.Value))
        {
            Assert.DoesNotContain(secret, store.Location, StringComparison.Ordinal);
            Assert.DoesNotContain(Uri.EscapeDataString(secret), store.Location, StringComparison.Ordinal);
        }

        // Exactly what a step gets: its store's StepEnvironment, and nothing else from this process.
        var reopened = ArtifactStores.Open(store.Location, name => store.StepEnvironment.GetValueOrDefault(name));

        Assert.Equal(store.GetType(), reopened.GetType());
        Assert.Equal(store.Location, reopened.Location);
        Assert.Equal("shared", (await ArtifactSerializer.ReadAsync<Sample>(reopened, key, "test", None)).Name);
    }

    [RemoteStoreFact]
    public async Task The_location_reopens_from_the_process_environment_as_a_step_process_does()
    {
        var store = NewStore();
        var key = ArtifactKey.Parse("run/value.json");
        await ArtifactSerializer.WriteAsync(store, key, 7, "test", None);

        // Only this test class's store's variables are touched, and put back afterwards.
        var saved = store.StepEnvironment.Keys.ToDictionary(name => name, Environment.GetEnvironmentVariable);
        try
        {
            foreach (var (name, value) in store.StepEnvironment)
            {
                Environment.SetEnvironmentVariable(name, value);
            }

            Assert.Equal(7, await ArtifactSerializer.ReadAsync<int>(ArtifactStores.Open(store.Location), key, "test", None));
        }
        finally
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }

    [RemoteStoreFact]
    public void The_step_environment_is_exactly_the_credentials()
    {
        var store = NewStore();

        Assert.True(store.IsRemote);
        Assert.Equal(server.ExpectedStepEnvironment.OrderBy(v => v.Key), store.StepEnvironment.OrderBy(v => v.Key));
    }

    public sealed record Sample(string Name, double[] Weights, (int, string) Pair);
}

public sealed class S3ArtifactStoreTests(S3rverFixture server) : ArtifactStoreContract(server), IClassFixture<S3rverFixture>
{
    [RemoteStoreFact]
    public async Task Large_content_is_a_multipart_upload_and_small_content_a_single_put()
    {
        var store = (S3ArtifactStore)NewStore();

        // s3rver logs each stored part; tests of one class run one at a time, so the log's new
        // lines are this test's.
        var before = new FileInfo(server.LogFile).Length;
        await ArtifactSerializer.WriteAsync<Stream>(store, ArtifactKey.Parse("run/large.bin"), new GeneratedStream(2L * server.PartSize + 1), "test", CancellationToken.None);
        var large = await NewLogLinesAsync(before);
        before = new FileInfo(server.LogFile).Length;
        await ArtifactSerializer.WriteAsync(store, ArtifactKey.Parse("run/small.json"), "small", "test", CancellationToken.None);
        var small = await NewLogLinesAsync(before);

        Assert.Equal(3, large.Count(line => line.Contains("Stored part ", StringComparison.Ordinal)));
        Assert.Contains(large, line => line.Contains($"Stored object \"{store.ObjectKeyOf(ArtifactKey.Parse("run/large.bin"))}\"", StringComparison.Ordinal));
        Assert.DoesNotContain(small, line => line.Contains("Stored part ", StringComparison.Ordinal));
    }

    private async Task<string[]> NewLogLinesAsync(long from)
    {
        await using var log = new FileStream(server.LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        log.Seek(from, SeekOrigin.Begin);
        return (await new StreamReader(log).ReadToEndAsync()).Split('\n');
    }
}

public sealed class AzureBlobArtifactStoreTests(AzuriteFixture server) : ArtifactStoreContract(server), IClassFixture<AzuriteFixture>
{
    [RemoteStoreFact]
    public async Task Large_content_is_committed_as_blocks()
    {
        var store = (AzureBlobArtifactStore)NewStore();
        var key = ArtifactKey.Parse("run/large.bin");

        await ArtifactSerializer.WriteAsync<Stream>(store, key, new GeneratedStream(2L * server.PartSize + 1), "test", CancellationToken.None);

        var blob = new BlobServiceClient(new Uri(server.Address), new StorageSharedKeyCredential(LocalServers.AzuriteAccount, LocalServers.AzuriteKey))
            .GetBlobContainerClient(store.Settings.Container)
            .GetBlockBlobClient(store.BlobNameOf(key));
        var blocks = (await blob.GetBlockListAsync(BlockListTypes.All)).Value;
        Assert.Equal([server.PartSize, server.PartSize, 1], blocks.CommittedBlocks.Select(b => b.SizeLong));
        Assert.Empty(blocks.UncommittedBlocks);
    }
}
