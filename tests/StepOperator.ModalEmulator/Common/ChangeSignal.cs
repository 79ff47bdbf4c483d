using System.Threading;
using System.Threading.Tasks;

namespace StepOperator.ModalEmulator.Common;

/// <summary>
/// Wakes every waiter when something changed. Waiters take <see cref="NextChange"/> BEFORE they look
/// at the state, so a change between the look and the wait is never missed.
/// </summary>
internal sealed class ChangeSignal
{
    private TaskCompletionSource _next = NewSource();

    public Task NextChange => Volatile.Read(ref _next).Task;

    public void Pulse() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
