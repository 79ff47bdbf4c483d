using System;
using System.Buffers;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace StepOperator.Artifacts;

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

    /// <summary>
    /// Lets <paramref name="write"/> fill this stream, then makes the object visible; on any failure the
    /// parts are discarded (nothing becomes visible) and the error is rethrown. Disposes the stream.
    /// </summary>
    public async Task UploadAsync(Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        try
        {
            await write(this, cancellationToken).ConfigureAwait(false);
            await CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await AbortAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            await DisposeAsync().ConfigureAwait(false);
            ReleaseBuffers();
        }
    }

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
