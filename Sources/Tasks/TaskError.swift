import ACDC

/// Task errors are `ACDCError`s: one line that names the task or file and the problem.
typealias TaskError = ACDCError
