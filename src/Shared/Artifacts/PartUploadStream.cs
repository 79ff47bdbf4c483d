using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

// Each remote store compiles its own internal copy, in its own namespace, so a test assembly that sees the internals of
// both stores meets two types of different names.
#if STEPOPERATOR_S3
namespace StepOperator.S3;
#elif STEPOPERATOR_AZURE
namespace StepOperator.Azure;
#else
#error Define STEPOPERATOR_S3 or STEPOPERATOR_AZURE in the project that compiles the shared artifact streams.
#endif

/// <summary>
/// The write side of a remote store: a write-only stream that cuts what is written into parts of
/// a fixed size and uploads up to <c>partsInFlight</c> full parts at a time while the next one
/// fills. At most <c>partsInFlight + 1</c> part buffers (rented from a pool) exist at a time; when
/// every slot is busy, a write waits for a part to finish. Memory therefore stays bounded
/// whatever the size. Content that fits in one part is uploaded in a single request instead.
/// Parts may finish in any order; the commit lists them in the order they were written. Nothing
/// is visible until <see cref="CompleteAsync"/>; after a failure the store calls <see cref="AbortAsync"/>.
/// </summary>
/// <remarks>
/// The first part that fails cancels the others, and the next write (or the completion) throws an
/// <see cref="IOException"/> naming that part, with the service's error inside.
/// Disposing the stream (a <c>StreamWriter</c> in the write callback does) only stops further
/// writes: completing or aborting the upload is the store's decision, made after the callback.
/// </remarks>
internal abstract class PartUploadStream : Stream
{
    private readonly int _partSize;
    private readonly int _maxParts;
    private readonly int _partsInFlight;
    private readonly ArrayPool<byte> _pool;
    private readonly CancellationToken _uploadCancellation;

    // Cancelled by the first failed part (so the others stop) or by an abort; linked to the upload's token.
    private readonly CancellationTokenSource _partsCancellation;

    // Every part started, in part order: its result is what the commit needs to name it.
    private readonly List<Task<string>> _parts = [];
    private readonly List<Task<string>> _inFlight = [];
    private ExceptionDispatchInfo? _failure;
    private byte[]? _filling;
    private int _filled;
    private long _written;
    private bool _begun;
    private bool _closed;

    /// <summary>
    /// The part buffers of one store: a pool of its own that keeps at most one write's worth
    /// (<paramref name="partsInFlight"/> + 1 buffers) between writes. Not <see cref="ArrayPool{T}.Shared"/>:
    /// parts end on many threads, and the shared pool keeps a returned array in the returning
    /// thread's cache, where the writing thread cannot rent it, so each of those threads could
    /// come to hold a part-sized array.
    /// </summary>
    public static ArrayPool<byte> CreatePool(int partSize, int partsInFlight) =>
        ArrayPool<byte>.Create(partSize, partsInFlight + 1);

    protected PartUploadStream(int partSize, int maxParts, int partsInFlight, CancellationToken uploadCancellation, ArrayPool<byte> pool)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxParts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partsInFlight);
        _partSize = partSize;
        _maxParts = maxParts;
        _partsInFlight = partsInFlight;
        _pool = pool;
        _uploadCancellation = uploadCancellation;
        _partsCancellation = CancellationTokenSource.CreateLinkedTokenSource(uploadCancellation);
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

    /// <summary>Called once, before the first part: starts the multipart upload where the service needs that.</summary>
    protected virtual Task BeginPartsAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Uploads one part, numbered from 1, and returns what the commit needs to name it (an ETag, a block id).
    /// Up to <c>partsInFlight</c> calls run at the same time; <paramref name="content"/> is valid until the task ends.
    /// </summary>
    protected abstract Task<string> UploadPartAsync(int partNumber, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Makes the parts the object's content; <paramref name="parts"/> holds their names, part 1 first.</summary>
    protected abstract Task CommitPartsAsync(IReadOnlyList<string> parts, CancellationToken cancellationToken);

    /// <summary>Discards uploaded parts, as far as the service allows; called after every part has ended.</summary>
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
            _filling ??= _pool.Rent(_partSize);

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

    /// <summary>Uploads what is left, waits for every part and makes the object visible.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        _closed = true;
        if (!_begun)
        {
            await UploadWholeAsync(_filling is null ? ReadOnlyMemory<byte>.Empty : _filling.AsMemory(0, _filled), cancellationToken).ConfigureAwait(false);
            return;
        }

        if (_filled > 0)
        {
            await StartPartAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await Task.WhenAll(_parts).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (_failure is not null)
        {
            // Reported below as the first part that failed, not as whichever part WhenAll names.
        }

        _failure?.Throw();
        var names = new string[_parts.Count];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = _parts[i].Result;
        }

        await CommitPartsAsync(names, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the parts in flight, waits for them to end, then discards the parts; never throws (the write's own error matters).</summary>
    public async Task AbortAsync()
    {
        _closed = true;
        if (!_begun)
        {
            return;
        }

        try
        {
            await _partsCancellation.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(_parts).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The failure is already on its way to the caller through the write.
        }

        try
        {
            await DiscardPartsAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Best effort: uncommitted parts are invisible either way.
        }
    }

    /// <summary>Hands the filled buffer to a part upload once a slot is free; throws the first part's failure.</summary>
    private async Task StartPartAsync(CancellationToken cancellationToken)
    {
        _failure?.Throw();
        if (_parts.Count == _maxParts)
        {
            // An IOException, like other failed writes (ArtifactSerializer reports an
            // InvalidOperationException as a value that cannot be serialized).
            throw new IOException(
                $"{Target} is larger than {_maxParts} parts of {_partSize / (1024 * 1024)} MiB, the most one object can have; use a larger part size.");
        }

        if (!_begun)
        {
            await BeginPartsAsync(cancellationToken).ConfigureAwait(false);
            _begun = true;
        }

        // Back-pressure: with every slot busy, wait until a part ends (the filled buffer waits with us).
        _inFlight.RemoveAll(part => part.IsCompleted);
        while (_inFlight.Count == _partsInFlight)
        {
            await Task.WhenAny(_inFlight).WaitAsync(cancellationToken).ConfigureAwait(false);
            _inFlight.RemoveAll(part => part.IsCompleted);
        }

        _failure?.Throw();
        var part = UploadPartInSlotAsync(_parts.Count + 1, _filling!, _filled);
        _parts.Add(part);
        _inFlight.Add(part);
        _filling = null;
        _filled = 0;
    }

    /// <summary>One part: its buffer goes back to the pool after a successful upload; the first failure is kept and stops the rest.</summary>
    private async Task<string> UploadPartInSlotAsync(int number, byte[] buffer, int length)
    {
        await Task.Yield(); // The writer goes on filling the next buffer while this part is sent.
        string name;
        try
        {
            name = await UploadPartAsync(number, buffer.AsMemory(0, length), _partsCancellation.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // A failed request may still be reading its buffer (an HTTP send can outlive its
            // cancelled task), so the buffer is left to the GC instead of going back to a pool
            // that could hand it to other code meanwhile.
            var failure = e is OperationCanceledException && (_uploadCancellation.IsCancellationRequested || _partsCancellation.IsCancellationRequested)
                ? e // cancelled by the caller, or stopped because another part failed first
                : new IOException($"Uploading part {number} of {Target} failed: {e.Message}", e);
            if (Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(failure), null) is null && !ReferenceEquals(failure, e))
            {
                await _partsCancellation.CancelAsync().ConfigureAwait(false);
            }

            throw;
        }

        _pool.Return(buffer);
        return name;
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

    /// <summary>
    /// Returns the filling buffer to the pool (parts return their own); call after <see cref="CompleteAsync"/>
    /// or <see cref="AbortAsync"/>.
    /// </summary>
    public void ReleaseBuffers()
    {
        if (_filling is not null)
        {
            _pool.Return(_filling);
            _filling = null;
        }

        if (_parts.TrueForAll(part => part.IsCompleted))
        {
            _partsCancellation.Dispose();
        }
    }
}
