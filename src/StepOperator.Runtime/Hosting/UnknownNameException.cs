using System;

namespace StepOperator.Hosting;

/// <summary>A stack, pipeline or step name that does not exist; the message lists the valid ones.</summary>
internal sealed class UnknownNameException(string message) : Exception(message);
