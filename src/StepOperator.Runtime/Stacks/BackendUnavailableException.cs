using System;

namespace StepOperator.Stacks;

/// <summary>
/// A backend a stack needs cannot be used (an engine that is not running, a registry that refuses the credentials, a
/// store that cannot be reached). Its message is one line that names the problem and the fix, shown as it is.
/// </summary>
public abstract class BackendUnavailableException : Exception
{
    protected BackendUnavailableException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
