using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using StepOperator.S3;

namespace StepOperator.Artifacts.Tests;

/// <summary>
/// The upload side shared by the S3 and Azure Blob stores, against an in-memory service whose
/// parts end only when a test lets them (no timing): parts in flight, back-pressure, the order of
/// the commit, the first failure, cancellation and the buffers it holds.
/// </summary>
public sealed class PartUploadStreamTests
{
    private const int PartSize = 16;

    /// <summary>How long a test waits for what must happen at once, so a broken rule fails instead of hanging.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static CancellationToken None => CancellationToken.None;

    [Fact]
    public async Task Parts_that_finish_out_of_order_are_committed_in_the_order_they_were_written()
    {
        var pool = new CountingPool();
        var upload = new FakeService(partsInFlight: 3, pool, None);
        var content = RandomNumberGenerator.GetBytes((6 * PartSize) + 3); // six full parts and a short seventh

        var run = upload.UploadAsync((target, ct) => target.WriteAsync(content, ct).AsTask(), None);

        await Task.WhenAll(upload.Started(1), upload.Started(2), upload.Started(3));
        Assert.False(upload.HasStarted(4)); // every slot busy: the fourth part waits, filled, with the writer
        Assert.False(run.IsCompleted);

        // Parts end in the order 3, 2, 5, 6, 7, 4, 1; each freed slot starts the next part.
        upload.Finish(3);
        await upload.Started(4);
        upload.Finish(2);
        await upload.Started(5);
        upload.Finish(5);
        await upload.Started(6);
        upload.Finish(6);
        await upload.Started(7);
        upload.Finish(7);
        upload.Finish(4);
        Assert.False(run.IsCompleted); // part 1 still uploading: nothing committed yet
        upload.Finish(1);
        await run.WaitAsync(Patience);

        Assert.Equal(Enumerable.Range(1, 7).Select(n => $"part-{n}"), upload.Committed);
        Assert.Equal(content, upload.Content);
        Assert.Equal(3, upload.MostRunning);
        Assert.Equal(0, upload.Discards);

        // Three parts in flight and the fourth filled: the bound is reached, never passed, and all is returned.
        Assert.Equal(4, pool.MostOutstanding);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public async Task Buffers_stay_within_the_slots_and_the_filling_one_over_many_parts_written_in_small_pieces()
    {
        var pool = new CountingPool();
        var upload = new FakeService(partsInFlight: 2, pool, None) { EndAtOnce = true };
        var content = RandomNumberGenerator.GetBytes((50 * PartSize) + 5);

        await upload.UploadAsync(async (target, ct) =>
        {
            for (var offset = 0; offset < content.Length; offset += 7)
            {
                await target.WriteAsync(content.AsMemory(offset, Math.Min(7, content.Length - offset)), ct);
            }
        }, None);

        Assert.Equal(content, upload.Content);
        Assert.Equal(51, upload.Committed!.Count);
        Assert.InRange(upload.MostRunning, 1, 2);
        Assert.InRange(pool.MostOutstanding, 1, 3);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public async Task A_failed_part_stops_the_others_commits_nothing_and_is_reported_by_its_number()
    {
        var pool = new CountingPool();
        var upload = new FakeService(partsInFlight: 3, pool, None);
        var content = RandomNumberGenerator.GetBytes((6 * PartSize) + 3);
        var run = upload.UploadAsync((target, ct) => target.WriteAsync(content, ct).AsTask(), None);
        await Task.WhenAll(upload.Started(1), upload.Started(2), upload.Started(3));

        upload.Fail(2, new HttpRequestException("the service said no"));

        var error = await Assert.ThrowsAsync<IOException>(() => run.WaitAsync(Patience));
        Assert.Contains("part 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("fake://bucket/key", error.Message, StringComparison.Ordinal);
        Assert.Contains("the service said no", error.Message, StringComparison.Ordinal);
        Assert.IsType<HttpRequestException>(error.InnerException);

        Assert.Equal([1, 3], upload.Cancelled.Order()); // the parts in flight were stopped
        Assert.False(upload.HasStarted(4)); // and no part started after the failure
        Assert.Null(upload.Committed);
        Assert.Equal(1, upload.Discards);
        Assert.Equal(0, upload.RunningAtDiscard); // discarded only once every part had ended

        // The buffers of failed parts are left to the GC (a failed request may still read them); the filled one is returned.
        Assert.Equal(3, pool.Outstanding);
    }

    [Fact]
    public async Task A_failed_part_stops_the_others_at_once_while_the_writer_is_busy_elsewhere()
    {
        var upload = new FakeService(partsInFlight: 3, new CountingPool(), None);
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously); // a slow source
        var run = upload.UploadAsync(async (target, ct) =>
        {
            await target.WriteAsync(new byte[(3 * PartSize) + 1], ct); // parts 1-3 go up
            await source.Task;
            await target.WriteAsync(new byte[PartSize], ct);
        }, None);
        await Task.WhenAll(upload.Started(1), upload.Started(2), upload.Started(3));

        upload.Fail(2, new HttpRequestException("the service said no"));

        // Parts 1 and 3 stop without waiting for the writer to come back.
        await Task.WhenAll(upload.StoppedByCancellation(1), upload.StoppedByCancellation(3));
        Assert.False(run.IsCompleted);
        source.SetResult();
        var error = await Assert.ThrowsAsync<IOException>(() => run.WaitAsync(Patience));
        Assert.Contains("part 2", error.Message, StringComparison.Ordinal);
        Assert.Null(upload.Committed);
    }

    [Fact]
    public async Task A_part_failing_after_the_last_write_fails_the_completion_and_commits_nothing()
    {
        var upload = new FakeService(partsInFlight: 3, new CountingPool(), None);
        var content = RandomNumberGenerator.GetBytes((2 * PartSize) + 1);
        var run = upload.UploadAsync((target, ct) => target.WriteAsync(content, ct).AsTask(), None);
        await Task.WhenAll(upload.Started(1), upload.Started(2), upload.Started(3));
        upload.Finish(1);
        upload.Finish(2);

        upload.Fail(3, new HttpRequestException("connection reset"));

        var error = await Assert.ThrowsAsync<IOException>(() => run.WaitAsync(Patience));
        Assert.Contains("part 3", error.Message, StringComparison.Ordinal);
        Assert.Null(upload.Committed);
        Assert.Equal(1, upload.Discards);
    }

    [Fact]
    public async Task Cancelling_while_the_writer_waits_for_a_slot_stops_the_parts_and_commits_nothing()
    {
        using var cancellation = new CancellationTokenSource();
        var pool = new CountingPool();
        var upload = new FakeService(partsInFlight: 2, pool, cancellation.Token);
        var content = RandomNumberGenerator.GetBytes(5 * PartSize);
        var run = upload.UploadAsync((target, ct) => target.WriteAsync(content, ct).AsTask(), cancellation.Token);
        await Task.WhenAll(upload.Started(1), upload.Started(2));
        Assert.False(run.IsCompleted);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Patience)); // a cancellation, not a failed part
        Assert.Equal([1, 2], upload.Cancelled.Order());
        Assert.False(upload.HasStarted(3));
        Assert.Null(upload.Committed);
        Assert.Equal(1, upload.Discards);
        Assert.Equal(0, upload.RunningAtDiscard);
    }

    [Fact]
    public async Task Content_of_one_part_is_one_upload_without_parts()
    {
        var pool = new CountingPool();
        var upload = new FakeService(partsInFlight: 3, pool, None);
        var content = RandomNumberGenerator.GetBytes(PartSize);

        await upload.UploadAsync((target, ct) => target.WriteAsync(content, ct).AsTask(), None);

        Assert.Equal(content, upload.Content);
        Assert.Null(upload.Committed);
        Assert.False(upload.HasStarted(1));
        Assert.Equal(0, pool.Outstanding);
    }

    /// <summary>An in-memory service: each part runs until <see cref="Finish"/> or <see cref="Fail"/> (or at once with <see cref="EndAtOnce"/>).</summary>
    private sealed class FakeService(int partsInFlight, ArrayPool<byte> pool, CancellationToken cancellationToken)
        : PartUploadStream(PartSize, maxParts: 10_000, partsInFlight, cancellationToken, pool)
    {
        private readonly ConcurrentDictionary<int, TaskCompletionSource> _ends = new();
        private readonly ConcurrentDictionary<int, TaskCompletionSource> _starts = new();
        private readonly ConcurrentDictionary<int, TaskCompletionSource> _cancellations = new();
        private readonly ConcurrentDictionary<int, byte[]> _received = new();
        private int _running;
        private int _mostRunning;

        public bool EndAtOnce { get; init; }

        public int MostRunning => _mostRunning;

        /// <summary>The parts that ended because their cancellation token fired.</summary>
        public IEnumerable<int> Cancelled => _cancellations.Where(c => c.Value.Task.IsCompleted).Select(c => c.Key);

        /// <summary>The part names of the commit, in its order; null when nothing was committed.</summary>
        public List<string>? Committed { get; private set; }

        /// <summary>The object's content once visible.</summary>
        public byte[]? Content { get; private set; }

        public int Discards { get; private set; }

        public int RunningAtDiscard { get; private set; } = -1;

        protected override string Target => "fake object fake://bucket/key";

        public Task Started(int part) => Source(_starts, part).Task.WaitAsync(Patience);

        public Task StoppedByCancellation(int part) => Source(_cancellations, part).Task.WaitAsync(Patience);

        public bool HasStarted(int part) => _starts.TryGetValue(part, out var started) && started.Task.IsCompleted;

        public void Finish(int part) => Source(_ends, part).SetResult();

        public void Fail(int part, Exception error) => Source(_ends, part).SetException(error);

        protected override Task UploadWholeAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            Content = content.ToArray();
            return Task.CompletedTask;
        }

        protected override async Task<string> UploadPartAsync(int partNumber, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            RaiseTo(ref _mostRunning, Interlocked.Increment(ref _running));

            try
            {
                _received[partNumber] = content.ToArray();
                Source(_starts, partNumber).SetResult();
                if (EndAtOnce)
                {
                    await Task.Yield();
                }
                else
                {
                    await Source(_ends, partNumber).Task.WaitAsync(cancellationToken);
                }

                return $"part-{partNumber}";
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Source(_cancellations, partNumber).SetResult();
                throw;
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }

        protected override Task CommitPartsAsync(IReadOnlyList<string> parts, CancellationToken cancellationToken)
        {
            Committed = [.. parts];
            Content = [.. parts.SelectMany(name => _received[int.Parse(name["part-".Length..], CultureInfo.InvariantCulture)])];
            return Task.CompletedTask;
        }

        protected override Task DiscardPartsAsync()
        {
            Discards++;
            RunningAtDiscard = Volatile.Read(ref _running);
            return Task.CompletedTask;
        }

        private static TaskCompletionSource Source(ConcurrentDictionary<int, TaskCompletionSource> sources, int part) =>
            sources.GetOrAdd(part, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    /// <summary>Raises <paramref name="most"/> to <paramref name="value"/> when that is higher (thread-safe).</summary>
    private static void RaiseTo(ref int most, int value)
    {
        for (var seen = Volatile.Read(ref most); value > seen; seen = Volatile.Read(ref most))
        {
            Interlocked.CompareExchange(ref most, value, seen);
        }
    }

    /// <summary>A pool that hands out new arrays and counts how many are out at once.</summary>
    private sealed class CountingPool : ArrayPool<byte>
    {
        private int _outstanding;
        private int _mostOutstanding;

        public int Outstanding => Volatile.Read(ref _outstanding);

        public int MostOutstanding => Volatile.Read(ref _mostOutstanding);

        public override byte[] Rent(int minimumLength)
        {
            RaiseTo(ref _mostOutstanding, Interlocked.Increment(ref _outstanding));

            return new byte[minimumLength];
        }

        public override void Return(byte[] array, bool clearArray = false) => Interlocked.Decrement(ref _outstanding);
    }
}
