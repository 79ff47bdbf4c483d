using System.Text;
using StepOperator.Artifacts;
using StepOperator.Flavors;

namespace StepOperator.Runtime.Tests;

public sealed class ArtifactStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("stepoperator-store-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("../outside.json")]
    [InlineData("run/../../outside.json")]
    [InlineData("/etc/passwd")]
    [InlineData("run//output.json")]
    [InlineData("run/./output.json")]
    [InlineData("run\\..\\x")]
    [InlineData("C:/x")]
    [InlineData("run/out put.json")]
    [InlineData("run/ünïcode")]
    public void Keys_that_could_escape_the_root_are_refused(string key)
    {
        var error = Assert.Throws<ArgumentException>(() => ArtifactKey.Parse(key));
        Assert.Contains("Invalid artifact key", error.Message);
    }

    [Theory]
    [InlineData("20261126-181500-3f9a2c/steps/Train/output.json")]
    [InlineData("run/steps/Evaluate.2/inputs/data.bin")]
    [InlineData("a")]
    public void Ordinary_keys_stay_under_the_root(string key)
    {
        var store = new LocalArtifactStore(_root);
        var path = store.PathOf(ArtifactKey.Parse(key));
        Assert.StartsWith(store.Root + Path.DirectorySeparatorChar, path);
    }

    [Fact]
    public void Combine_checks_every_segment() =>
        Assert.Throws<ArgumentException>(() => ArtifactKey.Combine("run", "..", "x"));

    [Fact]
    public async Task Values_round_trip_as_json()
    {
        var store = new LocalArtifactStore(_root);
        var key = ArtifactKey.Parse("run/steps/A/output.json");
        var value = new Sample("model", [1.5, 2.5], (3, "x"));

        await ArtifactSerializer.WriteAsync(store, key, value, "test", CancellationToken.None);
        var back = await ArtifactSerializer.ReadAsync<Sample>(store, key, "test", CancellationToken.None);

        Assert.Equal(value.Name, back.Name);
        Assert.Equal(value.Weights, back.Weights);
        Assert.Equal(value.Pair, back.Pair);
        Assert.Equal(ArtifactFormat.Json, ArtifactSerializer.FormatOf(typeof(Sample)));
    }

    [Fact]
    public async Task Streams_are_copied_through_without_a_whole_buffer_and_read_back_as_streams()
    {
        var store = new LocalArtifactStore(_root);
        var key = ArtifactKey.Parse("run/steps/A/output.bin");
        var source = new CountingStream(totalBytes: 5_000_000);

        await ArtifactSerializer.WriteAsync<Stream>(store, key, source, "test", CancellationToken.None);

        Assert.True(source.Disposed);
        Assert.True(source.LargestRead <= 1 << 20, $"largest read {source.LargestRead}");
        Assert.Equal(5_000_000, new FileInfo(store.PathOf(key)).Length);
        await using var back = await ArtifactSerializer.ReadAsync<Stream>(store, key, "test", CancellationToken.None);
        Assert.IsType<FileStream>(back);
        Assert.Equal(5_000_000, back.Length);
        Assert.Equal(ArtifactFormat.Binary, ArtifactSerializer.FormatOf(typeof(MemoryStream)));
    }

    [Fact]
    public async Task Bytes_round_trip_raw()
    {
        var store = new LocalArtifactStore(_root);
        var key = ArtifactKey.Parse("run/bytes.bin");
        var bytes = Encoding.UTF8.GetBytes("raw bytes, not JSON");

        await ArtifactSerializer.WriteAsync(store, key, bytes, "test", CancellationToken.None);

        Assert.Equal(bytes, await File.ReadAllBytesAsync(store.PathOf(key)));
        Assert.Equal(bytes, await ArtifactSerializer.ReadAsync<byte[]>(store, key, "test", CancellationToken.None));
    }

    [Fact]
    public async Task A_value_that_cannot_be_serialized_names_its_type_and_owner_and_leaves_nothing()
    {
        var store = new LocalArtifactStore(_root);
        var key = ArtifactKey.Parse("run/bad.json");

        var error = await Assert.ThrowsAsync<ArtifactSerializationException>(() =>
            ArtifactSerializer.WriteAsync(store, key, new WithType(typeof(int)), "Step 'Make' output", CancellationToken.None));

        Assert.StartsWith("Step 'Make' output: a value of type 'StepOperator.Runtime.Tests.ArtifactStoreTests+WithType'", error.Message);
        Assert.False(await store.ExistsAsync(key, CancellationToken.None));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(store.PathOf(key))!));
    }

    [Fact]
    public async Task A_missing_artifact_is_a_clear_error()
    {
        var store = new LocalArtifactStore(_root);
        var error = await Assert.ThrowsAsync<ArtifactNotFoundException>(() =>
            store.OpenReadAsync(ArtifactKey.Parse("run/missing.json"), CancellationToken.None));
        Assert.Contains("run/missing.json", error.Message);
    }

    [Fact]
    public void Stores_open_from_their_location()
    {
        var store = new LocalArtifactStore(_root);
        var reopened = Assert.IsType<LocalArtifactStore>(ArtifactStores.Open(store.Location));
        Assert.Equal(store.Root, reopened.Root);
        var error = Assert.Throws<ArgumentException>(() => ArtifactStores.Open("ftp://example/x"));
        Assert.Contains("not supported", error.Message);
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("with space")]
    [InlineData("per%cent")]
    [InlineData("ünïcode")]
    public void A_local_store_opens_from_its_file_uri_at_the_same_directory_as_uri_parsing_gives(string folder)
    {
        // Step processes get the local store as its Location (a file URI); simple ones skip URI parsing, escaped ones do not.
        var store = new LocalArtifactStore(Path.Combine(_root, folder));
        var reopened = Assert.IsType<LocalArtifactStore>(ArtifactStores.Open(store.Location));
        Assert.Equal(store.Root, reopened.Root);
        Assert.Equal(Path.TrimEndingDirectorySeparator(new Uri(store.Location).LocalPath), reopened.Root);
    }

    public sealed record Sample(string Name, double[] Weights, (int, string) Pair);

    public sealed record WithType(Type Kind);

    /// <summary>Produces bytes on demand and records the largest read asked of it.</summary>
    private sealed class CountingStream(long totalBytes) : Stream
    {
        private long _position;

        public int LargestRead { get; private set; }

        public bool Disposed { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            LargestRead = Math.Max(LargestRead, count);
            var n = (int)Math.Min(count, totalBytes - _position);
            buffer.AsSpan(offset, n).Fill(7);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
