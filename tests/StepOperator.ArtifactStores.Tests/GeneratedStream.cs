using System;
using System.Buffers.Binary;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;

namespace StepOperator.Testing;

/// <summary>
/// A read-only stream of <c>length</c> pseudo-random bytes made on demand (xorshift64, so
/// compression or deduplication cannot flatter a store), hashed as they are read: large content
/// that is never held in memory. Optionally fails with an <see cref="IOException"/> part-way.
/// Shared by the artifact store tests and the memory benchmark (linked there).
/// </summary>
internal sealed class GeneratedStream(long length, ulong seed = 0x9E3779B97F4A7C15, long failAfter = -1) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private ulong _state = seed == 0 ? 1 : seed;
    private long _position;
    private byte[]? _finalHash;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    /// <summary>The SHA-256 of the bytes read so far (kept when the stream is disposed, as a store's write does).</summary>
    public byte[] Hash => _finalHash ?? _hash.GetCurrentHash();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (failAfter >= 0 && _position >= failAfter)
        {
            throw new IOException($"The source failed after {_position} bytes (as the test asked).");
        }

        var limit = failAfter >= 0 ? Math.Min(length, failAfter) : length;
        var count = (int)Math.Min(buffer.Length, limit - _position);
        var target = buffer[..count];

        // 8 bytes per step; a read that is not a multiple of 8 drops the rest of its last word,
        // which is harmless: the hash is of the bytes actually produced.
        var words = count / 8;
        for (var i = 0; i < words; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(target.Slice(i * 8, 8), Next());
        }

        if (count % 8 != 0)
        {
            Span<byte> last = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(last, Next());
            last[..(count % 8)].CopyTo(target[(words * 8)..]);
        }

        _hash.AppendData(target);
        _position += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    /// <summary>The SHA-256 of a stream's remaining content, read in small pieces.</summary>
    public static async Task<(byte[] Hash, long Length)> HashOfAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81_920];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }

        return (hash.GetCurrentHash(), total);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _finalHash is null)
        {
            _finalHash = _hash.GetCurrentHash();
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    private ulong Next()
    {
        _state ^= _state << 13;
        _state ^= _state >> 7;
        _state ^= _state << 17;
        return _state;
    }
}
