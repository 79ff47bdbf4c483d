using System;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

// In the compiling store's namespace, as PartUploadStream.cs explains.
#if STEPOPERATOR_S3
namespace StepOperator.S3;
#else
namespace StepOperator.Azure;
#endif

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
