"""Quality (issue 14): class evaluations (满意度测评), QA-1 monitoring, bureau reports."""
