using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace StepOperator.Artifacts;

/// <summary>Opens an artifact store from its location string (as passed to step processes).</summary>
public static class ArtifactStores
{
    /// <summary>The location forms <see cref="Open(string)"/> understands, for error messages.</summary>
    public const string SupportedLocations =
        "a local directory, a file:// URI, " +
        "s3://bucket[/prefix][?endpoint=<url>&region=<region>&pathStyle=true] " +
        "or azblob://container[/prefix][?endpoint=<account url>]";

    /// <summary>
    /// Opens a store; remote stores read their credentials from the process environment
    /// (<see cref="S3ArtifactStore.AccessKeyIdVariable"/> and <see cref="S3ArtifactStore.SecretAccessKeyVariable"/>;
    /// <see cref="AzureBlobArtifactStore.AccountVariable"/> and <see cref="AzureBlobArtifactStore.KeyVariable"/>),
    /// which is where a step process gets its store's <see cref="IArtifactStore.StepEnvironment"/>.
    /// </summary>
    public static IArtifactStore Open(string location) => Open(location, Environment.GetEnvironmentVariable);

    /// <summary>
    /// Opens a store, reading credentials through <paramref name="environment"/> instead of the
    /// process environment (for a launcher that holds a step's environment as a dictionary).
    /// </summary>
    public static IArtifactStore Open(string location, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(environment);

        if (Uri.TryCreate(location, UriKind.Absolute, out var uri) && uri.IsFile)
        {
            return new LocalArtifactStore(uri.LocalPath);
        }

        if (!location.Contains("://", StringComparison.Ordinal))
        {
            return new LocalArtifactStore(location);
        }

        if (StoreLocation.TryParse(location, out var parsed))
        {
            switch (parsed.Scheme)
            {
                case S3ArtifactStore.Scheme:
                    return new S3ArtifactStore(S3ArtifactStoreSettings.FromLocation(parsed, environment));
                case AzureBlobArtifactStore.Scheme:
                    return new AzureBlobArtifactStore(AzureBlobArtifactStoreSettings.FromLocation(parsed, environment));
            }
        }

        throw new ArgumentException(
            $"Artifact store location \"{location}\" is not supported. Use {SupportedLocations}.", nameof(location));
    }
}

/// <summary>
/// A remote store's location split into its parts: <c>scheme://container[/prefix][?name=value&amp;...]</c>.
/// Parsed by hand rather than with <see cref="Uri"/>, which lower-cases and re-escapes the host and
/// path; the container and the prefix must come back exactly as written.
/// </summary>
internal sealed record StoreLocation(string Original, string Scheme, string Container, string Prefix, IReadOnlyDictionary<string, string> Query)
{
    public static bool TryParse(string location, out StoreLocation parsed)
    {
        parsed = null!;
        var separator = location.IndexOf("://", StringComparison.Ordinal);
        if (separator <= 0)
        {
            return false;
        }

        var scheme = location[..separator].ToLowerInvariant();
        var rest = location[(separator + 3)..];
        var queryStart = rest.IndexOf('?', StringComparison.Ordinal);
        var query = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (queryStart >= 0)
        {
            foreach (var pair in rest[(queryStart + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
                query[name] = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..]);
            }

            rest = rest[..queryStart];
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var container = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? string.Empty : rest[(slash + 1)..].Trim('/');
        parsed = new StoreLocation(location, scheme, container, prefix, query);
        return true;
    }

    /// <summary>Formats a location; query values are escaped, empty ones are left out.</summary>
    public static string Format(string scheme, string container, string prefix, params (string Name, string? Value)[] query)
    {
        var text = new StringBuilder().Append(scheme).Append("://").Append(container);
        if (prefix.Length > 0)
        {
            text.Append('/').Append(prefix);
        }

        var pairs = query.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => p.Name + "=" + Uri.EscapeDataString(p.Value!)).ToList();
        if (pairs.Count > 0)
        {
            text.Append('?').Append(string.Join("&", pairs));
        }

        return text.ToString();
    }

    public string? Get(string name) => Query.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    /// <summary>A credential from the environment, or an error that names the variable and how to provide it.</summary>
    public static string RequireVariable(Func<string, string?> environment, string variable, string location, string purpose)
    {
        var value = environment(variable);
        if (string.IsNullOrEmpty(value))
        {
            throw new InvalidOperationException(
                $"The artifact store {location} needs {purpose} in the environment variable {variable}, which is not set. " +
                $"Set {variable} before starting the program (a step process receives it from its store's StepEnvironment).");
        }

        return value;
    }

    /// <summary>Checks a prefix the same way keys are checked, so a location cannot point outside its prefix.</summary>
    public static string NormalizePrefix(string? prefix, string parameterName)
    {
        var trimmed = (prefix ?? string.Empty).Trim('/');
        if (trimmed.Length > 0)
        {
            try
            {
                ArtifactKey.Parse(trimmed);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Invalid artifact store prefix \"{prefix}\": {e.Message}", parameterName, e);
            }
        }

        return trimmed;
    }
}

/// <summary>
/// The write side of a remote store: a write-only stream that cuts what is written into parts of
/// a fixed size and uploads each full part while the next one fills. At most two part buffers
/// exist at a time (one uploading, one filling), so memory stays bounded whatever the size.
/// Content that fits in one part is uploaded in a single request instead. Nothing is visible
/// until <see cref="CompleteAsync"/>; after a failure the store calls <see cref="AbortAsync"/>.
/// </summary>
/// <remarks>
/// Disposing the stream (a <c>StreamWriter</c> in the write callback does) only stops further
/// writes: completing or aborting the upload is the store's decision, made after the callback.
/// </remarks>
internal abstract class PartUploadStream : Stream
{
    private readonly int _partSize;
    private readonly int _maxParts;
    private readonly CancellationToken _uploadCancellation;
    private byte[]? _filling;
    private byte[]? _spare;
    private int _filled;
    private Task? _uploading;
    private int _partsStarted;
    private long _written;
    private bool _closed;

    protected PartUploadStream(int partSize, int maxParts, CancellationToken uploadCancellation)
    {
        _partSize = partSize;
        _maxParts = maxParts;
        _uploadCancellation = uploadCancellation;
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_closed;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _written; set => throw new NotSupportedException(); }

    /// <summary>What the store calls the object, for error messages.</summary>
    protected abstract string Target { get; }

    /// <summary>Uploads everything in one request (the content fit in the first part).</summary>
    protected abstract Task UploadWholeAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Uploads one part, numbered from 1; parts are uploaded one at a time, in order.</summary>
    protected abstract Task UploadPartAsync(int partNumber, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Makes parts 1..<paramref name="partCount"/> the object's content.</summary>
    protected abstract Task CommitPartsAsync(int partCount, CancellationToken cancellationToken);

    /// <summary>Discards uploaded parts, as far as the service allows.</summary>
    protected abstract Task DiscardPartsAsync();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        while (!buffer.IsEmpty)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _filling ??= ArrayPool<byte>.Shared.Rent(_partSize);

            // A full part is shipped only when more content follows, so content of exactly one
            // part still goes up in a single request.
            if (_filled == _partSize)
            {
                await StartPartAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            var count = Math.Min(buffer.Length, _partSize - _filled);
            buffer[..count].CopyTo(_filling.AsMemory(_filled));
            _filled += count;
            _written += count;
            buffer = buffer[count..];
        }
    }

    public override void Flush()
    {
        // Parts go up when they are full; flushing earlier would make parts below the minimum size.
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Uploads what is left and makes the object visible.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        _closed = true;
        if (_partsStarted == 0)
        {
            await UploadWholeAsync(_filling is null ? ReadOnlyMemory<byte>.Empty : _filling.AsMemory(0, _filled), cancellationToken).ConfigureAwait(false);
            return;
        }

        if (_filled > 0)
        {
            await StartPartAsync(cancellationToken).ConfigureAwait(false);
        }

        await _uploading!.ConfigureAwait(false);
        await CommitPartsAsync(_partsStarted, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits for the part in flight, then discards the parts; never throws (the write's own error matters).</summary>
    public async Task AbortAsync()
    {
        _closed = true;
        try
        {
            if (_uploading is not null)
            {
                await _uploading.ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            // The failure is already on its way to the caller through the write.
        }

        if (_partsStarted > 0)
        {
            try
            {
                await DiscardPartsAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Best effort: uncommitted parts are invisible either way.
            }
        }
    }

    /// <summary>Hands the filled buffer to an upload, after the previous upload has finished.</summary>
    private async Task StartPartAsync(CancellationToken cancellationToken)
    {
        if (_partsStarted == _maxParts)
        {
            // An IOException, like other failed writes (ArtifactSerializer reports an
            // InvalidOperationException as a value that cannot be serialized).
            throw new IOException(
                $"{Target} is larger than {_maxParts} parts of {_partSize / (1024 * 1024)} MiB, the most one object can have; use a larger part size.");
        }

        if (_uploading is not null)
        {
            // Not cancellable half-way: the buffer it holds must not be reused while it uploads.
            await _uploading.ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }

        var part = _filling!;
        var length = _filled;
        var number = ++_partsStarted;
        _uploading = UploadPartAsync(number, part.AsMemory(0, length), _uploadCancellation);
        _filling = _spare ?? ArrayPool<byte>.Shared.Rent(_partSize);
        _spare = part;
        _filled = 0;
    }

    protected override void Dispose(bool disposing)
    {
        // Buffers are returned by ReleaseBuffers, once no upload can still be reading them.
        _closed = true;
        base.Dispose(disposing);
    }

    /// <summary>A read-only stream over part content, for the service client to send (no copy).</summary>
    protected static MemoryStream AsStream(ReadOnlyMemory<byte> content) =>
        MemoryMarshal.TryGetArray(content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);

    /// <summary>Returns the part buffers to the pool; call after <see cref="CompleteAsync"/> or <see cref="AbortAsync"/>.</summary>
    public void ReleaseBuffers()
    {
        if (_uploading is { IsCompleted: false })
        {
            return; // Still read by an upload (only after a failed completion): let the GC have them.
        }

        foreach (var buffer in new[] { _filling, _spare })
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        _filling = _spare = null;
    }
}

/// <summary>
/// The read side of a remote store: the response's content stream, with the length the service
/// reported, disposing the response with it.
/// </summary>
internal sealed class RemoteReadStream(Stream content, long length, IDisposable? owner) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = content.Read(buffer);
        _position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        _position += read;
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            content.Dispose();
            owner?.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await content.DisposeAsync().ConfigureAwait(false);
        owner?.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
