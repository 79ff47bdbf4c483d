namespace StepOperator.ModalEmulator.Faults;

/// <summary>How a sandbox killed by <see cref="EmulatorFaults.KillSandboxAsync"/> ends.</summary>
public enum SandboxKill
{
    /// <summary>As if terminated from outside: GENERIC_STATUS_TERMINATED.</summary>
    Terminated,

    /// <summary>As if evicted by Modal's memory manager: GENERIC_STATUS_MEMORY_MANAGER_EVICTION.</summary>
    MemoryEviction,

    /// <summary>As if its worker failed: GENERIC_STATUS_INTERNAL_FAILURE.</summary>
    InternalFailure,
}
